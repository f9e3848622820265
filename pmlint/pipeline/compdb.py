"""A build's compile_commands.json: each file's real flags (`pmlint -p BUILD_DIR`).

The format is clang's JSON compilation database, as the kernel's
scripts/clang-tools/gen_compile_commands.py, CMake, Meson or bear write it:
a list of {"directory", "file", "command" or "arguments", "output"?}. A file
is found by its real path, so a path given relative to another directory or
through a symlink still finds its entry.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shlex
from dataclasses import dataclass

from pmlint.pipeline.buildflags import reduce
from pmlint.pipeline.discover import SOURCE_SUFFIXES
from pmlint.frontend import ParseOptions

NAME = "compile_commands.json"


class CompdbError(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    directory: str             # where the command runs: relative paths in flags start here
    flags: tuple[str, ...]
    output: str                # the object file, absolute; "" when the command names none

    def signature(self) -> bytes:
        """What a cached result of this file depends on beyond its text: the flags, and
        the object file, which the build rewrites whenever a header it used changed."""
        try:
            st = os.stat(self.output) if self.output else None
            built = f"{st.st_size}:{st.st_mtime_ns}" if st else "none"
        except OSError:
            built = "missing"
        return json.dumps([self.directory, self.flags, built]).encode()


class CompileDatabase:
    def __init__(self, path: str, entries: dict[str, Entry]):
        self.path = path
        self.entries = entries     # real path of the source -> its entry (the first one)

    def entry(self, path: str) -> Entry | None:
        return None if path == "-" else self.entries.get(os.path.realpath(path))

    def options(self, path: str, base: ParseOptions) -> ParseOptions:
        """The parse options of one file: its real flags, or base when it is not built."""
        e = self.entry(path)
        return base if e is None else dataclasses.replace(base, flags=e.flags, directory=e.directory)

    def signature(self, path: str) -> bytes:
        e = self.entry(path)
        return b"" if e is None else e.signature()

    def files(self) -> list[str]:
        """The C sources it lists (a kernel's also lists assembler files)."""
        return sorted(f for f in self.entries if f.endswith(SOURCE_SUFFIXES))


def load(path: str) -> CompileDatabase:
    """Read BUILD_DIR/compile_commands.json, or the file itself."""
    if os.path.isdir(path):
        path = os.path.join(path, NAME)
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            doc = json.load(f)
    except OSError as exc:
        raise CompdbError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise CompdbError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(doc, list):
        raise CompdbError(f"{path}: not a compilation database (a JSON list of commands)")
    entries: dict[str, Entry] = {}
    for item in doc:
        parsed = _entry(item)
        if parsed is not None:
            source, entry = parsed
            entries.setdefault(source, entry)
    return CompileDatabase(path, entries)


def _entry(item) -> tuple[str, Entry] | None:
    """(real path of the source, Entry), or None for an entry without what it needs."""
    if not isinstance(item, dict):
        return None
    directory, file = item.get("directory"), item.get("file")
    argv = item.get("arguments")
    if argv is None and isinstance(item.get("command"), str):
        try:
            argv = shlex.split(item["command"])
        except ValueError:   # unbalanced quotes
            return None
    if not (isinstance(directory, str) and isinstance(file, str) and isinstance(argv, list)
            and all(isinstance(a, str) for a in argv)):
        return None
    command = reduce(argv, compiler=True)
    output = item.get("output") if isinstance(item.get("output"), str) else command.output
    output = os.path.join(directory, output) if output else ""
    source = os.path.realpath(os.path.join(directory, file))
    return source, Entry(directory, command.flags, output)
