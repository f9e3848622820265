"""Where a function a driver's file calls is defined, in the files Kbuild
links with it.

A call to a function the calling file does not define resolves, as the
linker would, to a definition that is not static in another object of the
same module (the directory's Makefile: `foo-y := a.o b.o`, `foo-objs`,
`foo-$(CONFIG_X) += c.o`), or else to one another file of the directory
exports (EXPORT_SYMBOL and its kin: a module of the directory provides it).
cw1200_spi.c's probe calls cw1200_core_probe(), exported by main.c of the
module cw1200_core, which calls cw1200_load_firmware() of fwio.c, in the
same module. Only the directory whose Makefile builds the file is read: a
function of another directory or of the kernel's core is not followed.
What is read is recorded as asked of the tree (pmlint.kernel.buildneeds:
the Makefile and each file read by their digests, an object's missing .c
file as missing, the directory's exports by theirs), so that a cached
result is trusted only while those answers are the same.
"""
from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache

from pmlint.kernel import buildneeds
from pmlint.text import ctext
from pmlint.text.bodytext import BodyReader

# Local headers read for one file's macros at most (a driver's own
# register headers are a few; a directory of headers that include each
# other is not read whole).
_HEADERS_MOST = 32

# Read from the raw text (a comment naming one is rare, and the definition
# found after must be there too): masking every file of a large directory
# (drivers/hwmon) for its exports would cost more than the whole rule.
_EXPORT = re.compile(rb"\bEXPORT_SYMBOL(?:_GPL)?(?:_NS(?:_GPL)?)?\s*\(\s*(\w+)")


def exports_digest(directory: str) -> str:
    """What the files of a directory export, as a digest (the question
    pmlint.kernel.buildneeds.EXPORTS)."""
    return _exports(_where(directory))[1]


@lru_cache(maxsize=64)
def _exports(directory: str) -> tuple[dict[str, str], str]:
    names: dict[str, str] = {}
    for obj in sorted(buildneeds.objects(directory)):
        try:
            with open(os.path.join(directory, obj + ".c"), "rb") as f:
                text = f.read()
        except OSError:
            continue
        for m in _EXPORT.finditer(text):
            names.setdefault(m.group(1).decode(), obj)
    return names, hashlib.sha256(repr(sorted(names.items())).encode()).hexdigest()


class Linker:
    """resolve() for one file's directory (pmlint.text.bodytext.Resolve);
    each file it needs is read once. Files are told apart by their absolute
    paths, and named as the file's own path is spelled (absolute, or
    relative: "./drivers/x/a.c"), which is how they are recorded too."""

    def __init__(self, path: str):
        self.directory, _ = buildneeds.object_of(path)
        self._path, self._where = path, _where(path)
        self._absolute = os.path.isabs(path)
        self._dotted = path.startswith("./")
        self._readers: dict[str, BodyReader | None] = {}
        self._definitions: dict[str, dict[str, tuple[int, int, bool]]] = {}
        self._file_map: dict[str, str] | None = None

    def __call__(self, caller: str, name: str):
        where = _where(caller)
        if not self._files():   # no Makefile (or no object in it): nothing links
            return None
        for path in (where, *self._module_of(where)):
            found = self._defined(path, name, own=path == where)
            if found is not None:
                return (*found, False)
        obj = self._exports().get(name)
        exporter = self._files().get(obj) if obj else None
        found = self._defined(exporter, name, own=False) if exporter else None
        return (*found, True) if found else None

    def headers(self, path: str, source: bytes) -> list[bytes]:
        """The texts of the local headers the file at `path` (its bytes
        `source`) includes, directly or through each other, in the order
        the preprocessor meets them; each read recorded (a header's edit
        invalidates a cached result of a linked file too)."""
        out: list[bytes] = []
        seen: set[str] = set()

        def walk(where: str, text: bytes) -> None:
            for _, name in ctext.local_includes(text):
                header = os.path.normpath(os.path.join(os.path.dirname(where), os.fsdecode(name)))
                if header in seen or len(seen) >= _HEADERS_MOST:
                    continue
                seen.add(header)
                data = buildneeds.read(self._spelled(header))
                if data is not None and b"\0" not in data:
                    walk(header, data)
                    out.append(data)

        walk(_where(path), source)
        return out

    def _exports(self) -> dict[str, str]:
        """Name -> the object of the directory's Makefile whose .c file
        exports it (the first in name order), read once a process; recorded
        by its digest, so that a change in what the directory exports (not
        any edit in it) invalidates."""
        names, digest = _exports(self.directory)
        buildneeds.asked(self._spelled(self.directory), buildneeds.EXPORTS, digest)
        return names

    def _files(self) -> dict[str, str]:
        """Object name -> the absolute path of its .c file, for every object
        the Makefile names that has one (one it names without is recorded
        as missing, so that creating it counts)."""
        if self._file_map is None:
            self._file_map = {}
            if buildneeds.read(self._spelled(os.path.join(self.directory, "Makefile"))) is not None:
                for obj in buildneeds.objects(self.directory):
                    where = os.path.normpath(os.path.join(self.directory, obj + ".c"))
                    if os.path.isfile(where):
                        self._file_map[obj] = where
                    else:
                        buildneeds.asked(self._spelled(where), buildneeds.DIGEST, "missing")
        return self._file_map

    def _spelled(self, where: str) -> str:
        if where == self._where:
            return self._path
        if self._absolute:
            return where
        rel = os.path.relpath(where)
        return "./" + rel if self._dotted else rel

    def _module_of(self, where: str) -> list[str]:
        """The other objects' files of the module the file at `where` is an object of."""
        objects = buildneeds.objects(self.directory)
        files = self._files()
        mine = next((o for o, p in files.items() if p == where), None)
        if mine is None:
            return []
        modules = {target for target, _ in objects.get(mine, ()) if target != "obj"}
        return [p for o, p in files.items() if o != mine
                and any(target in modules for target, _ in objects.get(o, ()))]

    def _defined(self, where: str, name: str, own: bool):
        """(path as spelled, reader, name offset, '{' offset, static) of the
        definition of `name` in the file at `where`, if one other files see
        (or any, for the calling file itself)."""
        reader = self._reader(where)
        if reader is None:
            return None
        if where not in self._definitions:
            self._definitions[where] = reader.definitions()
        found = self._definitions[where].get(name)
        if found is None or (found[2] and not own):
            return None
        return self._spelled(where), reader, *found

    def _reader(self, where: str) -> BodyReader | None:
        if where not in self._readers:
            data = buildneeds.read(self._spelled(where))
            self._readers[where] = (BodyReader(data, self.headers(where, data))
                                    if data is not None and b"\0" not in data else None)
        return self._readers[where]


def _where(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))
