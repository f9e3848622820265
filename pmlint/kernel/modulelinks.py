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
function of another directory or of the kernel's core is not followed. What
is read is recorded as asked of the tree (pmlint.kernel.buildneeds.read),
so that a cached result is trusted only while those files are the same.
"""
from __future__ import annotations

import os

from pmlint.kernel import buildneeds
from pmlint.text.bodytext import BodyReader


class Linker:
    """resolve() for one file's directory (pmlint.text.bodytext.Resolve);
    each file it needs is read once."""

    def __init__(self, path: str):
        self.directory, _ = buildneeds.object_of(path)
        # Paths are spelled as the file's is: absolute, or relative ("./drivers/x/a.c").
        self._absolute = os.path.isabs(path)
        self._dotted = path.startswith("./")
        self._readers: dict[str, BodyReader | None] = {}
        self._definitions: dict[str, dict[str, tuple[int, int, bool]]] = {}
        self._exports: dict[str, str] | None = None
        self._file_map: dict[str, str] | None = None

    def __call__(self, caller: str, name: str):
        for path in (caller, *self._module_of(caller)):
            found = self._defined(path, name, own=path == caller)
            if found is not None:
                return found
        exporter = self._exported().get(name)
        return self._defined(exporter, name, own=False) if exporter else None

    def _files(self) -> dict[str, str]:
        """Object name -> the path of its .c file, for every object the
        Makefile names that has one."""
        if self._file_map is None:
            self._file_map = {}
            if buildneeds.read(os.path.join(self.directory, "Makefile")) is not None:
                for obj in buildneeds.objects(self.directory):
                    where = os.path.join(self.directory, obj + ".c")
                    if os.path.isfile(where):
                        self._file_map[obj] = self._spelled(where)
        return self._file_map

    def _spelled(self, where: str) -> str:
        if self._absolute:
            return where
        rel = os.path.relpath(where)
        return "./" + rel if self._dotted else rel

    def _module_of(self, path: str) -> list[str]:
        """The paths of the other objects of the module `path`'s object is in."""
        objects = buildneeds.objects(self.directory)
        files = self._files()
        mine = next((o for o, p in files.items() if p == path), None)
        if mine is None:
            return []
        modules = {target for target, _ in objects.get(mine, ()) if target != "obj"}
        return [p for o, p in files.items() if o != mine
                and any(target in modules for target, _ in objects.get(o, ()))]

    def _exported(self) -> dict[str, str]:
        """Name -> the file of the directory that exports it (the first, in path order)."""
        if self._exports is None:
            self._exports = {}
            for path in sorted(self._files().values()):
                reader = self._reader(path)
                for name in sorted(reader.exported()) if reader else ():
                    self._exports.setdefault(name, path)
        return self._exports

    def _defined(self, path: str, name: str, own: bool):
        reader = self._reader(path)
        if reader is None:
            return None
        if path not in self._definitions:
            self._definitions[path] = reader.definitions()
        found = self._definitions[path].get(name)
        if found is None or (found[2] and not own):
            return None
        return path, reader, *found

    def _reader(self, path: str) -> BodyReader | None:
        if path not in self._readers:
            data = buildneeds.read(path)
            self._readers[path] = BodyReader(data) if data is not None and b"\0" not in data else None
        return self._readers[path]
