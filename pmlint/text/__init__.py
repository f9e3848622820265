"""C as text: comment masking, conditionals, declarations, a body's calls
and stores, the #if lines the parse cannot evaluate. Imports nothing of
pmlint but the model and this package; never libclang."""
