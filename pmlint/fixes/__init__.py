"""The fixes layer: --diff and --fix, from the model and the file's text.

plan.py plans a file's mechanical edits (with layout.py, how a renamed call is
laid out, and wrapper.py, how a table's pointer is wrapped); run.py applies
them, parses the result again through the frontend and writes or shows it.
"""
