"""Which of a file's functions run at run time, and from where.

Run time is what a function reaches that neither the driver's probe nor a
PM callback of the file reaches (an ioctl, an irq_chip, uart_ops or
iio_info callback, a work item, an exported helper), and what it calls,
probe's helpers included: a register only probe writes is one the boot
kernel's probe wrote the same way, and a PM callback's writes are the PM
path's own. Shared by PM109 (pmlint.rules.checks.saved_state) and PM110
(pmlint.rules.checks.kept_state).
"""
from __future__ import annotations

from collections import deque

from pmlint.model import Body, FileModel


def bodies(model: FileModel) -> dict[str, Body]:
    """The file's functions whose bodies were read."""
    return {f.name: f.body for f in model.functions if f.body is not None}


def closure(read: dict[str, Body], roots, depth: int | None = None) -> dict[str, tuple[str, ...]]:
    """Every function of the file reached from `roots` (through chains of at
    most `depth` functions, if given) -> the shortest chain to it."""
    out: dict[str, tuple[str, ...]] = {}
    todo = deque((r, (r,)) for r in roots)
    while todo:
        fn, chain = todo.popleft()
        if fn in out or fn not in read:
            continue
        out[fn] = chain
        if depth is None or len(chain) < depth:
            todo.extend((c.name, chain + (c.name,)) for c in read[fn].calls if not c.indirect)
    return out


def run_time(model: FileModel) -> dict[str, tuple[str, ...]]:
    """The functions of the file reached at run time -> the chain to each,
    from a function nothing of the file calls where there is one."""
    read = bodies(model)
    pm = closure(read, [s.callback for o in (*model.tables, *model.drivers) for s in o.slots])
    probe = closure(read, [d.probe for d in model.drivers if d.probe])
    others = [f for f in read if f not in pm and f not in probe]
    called = {c.name for b in read.values() for c in b.calls if not c.indirect}
    run = closure(read, [f for f in others if f not in called])
    run.update((f, chain) for f, chain in closure(read, others).items() if f not in run)
    return run


def chain_text(chain) -> str:
    """'a() -> b()'."""
    return " -> ".join(f"{n}()" for n in chain)
