"""The frontend: C source to FileModel, the only layer that uses libclang.

A driver file is parsed on its own, with pmlint's prelude header standing in
for the kernel headers that are not there. What the prelude cannot know (a
callback declared in a missing header, a bus driver struct pmlint has never
heard of) makes clang drop the whole initializer, so parsing runs in rounds:
each round declares the names and struct types the previous round's
diagnostics reported as unknown, until nothing new is learnt.

Its modules: clang (libclang, the prelude and its PCH), rounds (unknown
names), extract and initializers (the AST to tables, drivers, functions),
drivers (driver objects), textfacts (facts from the text alone), statements
(PM-core callers as Steps), configurations (other configurations' facts),
parse (parse_source, which runs them), parseoptions.
"""
from pmlint.frontend.clang import libclang_files
from pmlint.frontend.parse import parse_source
from pmlint.frontend.parseoptions import DEFAULT_CONFIG, ParseOptions

__all__ = ["DEFAULT_CONFIG", "ParseOptions", "libclang_files", "parse_source"]
