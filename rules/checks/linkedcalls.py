"""Following a file's calls into the files Kbuild links with it, as the
linker resolved each one (FileModel.links, pmlint.kernel.modulelinks).
Shared by PM111 (pmlint.rules.checks.firmware) and PM112
(pmlint.rules.checks.running).
"""
from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator

from pmlint.model import Body, FileModel

# A function: the path of the file its body is in, and its name.
Where = tuple[str, str]


class Bodies:
    """The bodies read, the file's and the linked ones, and each call
    resolved as the linker resolved it."""

    def __init__(self, model: FileModel):
        self.path = model.path
        self.own = {f.name: f.body for f in model.functions if f.body is not None}
        self.linked = {(f.location.path, f.name): f.body for f in model.linked}
        self.links = {(k.caller, k.name): k for k in model.links}

    def body(self, where: Where) -> Body | None:
        return self.own.get(where[1]) if where[0] == self.path else self.linked.get(where)

    def callee(self, caller: str, name: str) -> Where | None:
        if caller == self.path and name in self.own:
            return caller, name
        link = self.links.get((caller, name))
        return (link.path, name) if link is not None else None

    def walk(self, roots) -> Iterator[tuple[tuple[Where, ...], Body]]:
        """(shortest chain, body) of each function read that the file's
        functions `roots` reach, nearest first."""
        todo = deque((w,) for w in (self.callee(self.path, r) for r in roots) if w)
        seen: set[Where] = set()
        while todo:
            chain = todo.popleft()
            body = self.body(chain[-1])
            if chain[-1] in seen or body is None:
                continue
            seen.add(chain[-1])
            yield chain, body
            todo.extend(chain + (w,) for w in (self.callee(chain[-1][0], c.name)
                                               for c in body.calls if not c.indirect) if w)


def chain_text(chain: tuple[Where, ...], here: str) -> str:
    """'a() -> b() (main.c)': each function, with its file where that is not `here`."""
    return " -> ".join(f"{name}()" + ("" if path == here else f" ({relative(path, here)})")
                       for path, name in chain)


def relative(path: str, here: str) -> str:
    """`path` as seen from the directory of `here` (main.c, sub/load.c)."""
    return os.path.relpath(path, os.path.dirname(here) or ".")
