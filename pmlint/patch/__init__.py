"""Patch mode: a patch, a series or commits applied in memory, and only what
they introduce reported. Runs over the pipeline like any other mode."""
