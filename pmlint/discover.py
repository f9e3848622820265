"""Turn the paths a user gives into the list of files to analyse."""
from __future__ import annotations

import os
import stat

from pmlint.model import Problem

SOURCE_SUFFIXES = (".c", ".h")


def discover(paths: list[str]) -> tuple[list[str], list[Problem]]:
    """Expand directories (recursively, .c and .h only) in a stable order.

    Files named explicitly are taken whatever their suffix: the user asked.
    Missing paths are reported, not fatal.
    """
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        if path not in seen:
            seen.add(path)
            files.append(path)

    for path in paths:
        if path == "-":
            add(path)
        elif os.path.isdir(path):
            for root, dirs, names in os.walk(path, onerror=lambda e: problems.append(
                    Problem(e.filename or path, f"cannot read directory: {e.strerror}"))):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.endswith(SOURCE_SUFFIXES) and not _special(os.path.join(root, name)):
                        add(os.path.join(root, name))
        elif os.path.exists(path):
            add(path)
        else:
            problems.append(Problem(path, "no such file or directory"))
    return files, problems


def _special(path: str) -> bool:
    """A FIFO, socket or device: reading one found in a tree could block or never end."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # dangling, looping or unreadable: reading it says which

