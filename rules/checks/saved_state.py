"""Match kind "saved-not-restored": the sleep callbacks save device registers
and write them back, and the table has no hibernation callback at all.

The suspend side reads registers into the driver's data
(`pcdev->save_cicr[i] = __raw_readl(...)`, `regmap_read(map, reg, &priv->x)`)
and the resume side writes the same members back to the device: the device
loses them when it is powered down. With no freeze, thaw, poweroff or
restore member, the PM core calls nothing of the table for hibernation
(drivers/base/power/main.c, pm_op(); the platform, i2c and spi glue call
only the driver's own member), so after resume from hibernation those
registers hold what the boot kernel left there. Like pmlint.rules.checks.behaviour:
a pure function of a FileModel and the rule's [match] table.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from pmlint.kernel import pmcore
from pmlint.rules.checks.registry import Hit, check, judged_tables
from pmlint.rules.checks.behaviour import vocabulary
from pmlint.kernel.effects import first_arg_end
from pmlint.model import Body, FileModel, Note, PmTable

_DEPTH = 4   # functions followed, as pmlint.kernel.effects does
_LAST_MEMBER = re.compile(r"(?:->|\.)\s*(\w+)(?:\[[^\]]*\])*$")
# `&priv->saved` or `&priv->regs[i]` in a read call's arguments: where it reads into.
_INTO = re.compile(r"&\s*\(?\s*\w+(?:\s*(?:->|\.)\s*\w+(?:\s*\[[^\]]*\])*)+")
_HIBERNATION = ("freeze", "thaw", "poweroff", "restore")


def _hibernation_members() -> tuple[str, ...]:
    return tuple(m for side in _HIBERNATION for m in pmcore.members(side))


def _reach(model: FileModel, callback: str):
    """(function, body, chain) of the callback and of the file's functions it calls."""
    bodies = {f.name: f.body for f in model.functions if f.body is not None}
    todo, seen = [(callback, (callback,))], set()
    while todo:
        fn, chain = todo.pop(0)
        if fn in seen or fn not in bodies:
            continue
        seen.add(fn)
        yield fn, bodies[fn], chain
        if len(chain) < _DEPTH:
            todo.extend((c.name, chain + (c.name,)) for c in bodies[fn].calls if not c.indirect)


def _member(expr: str) -> str:
    m = _LAST_MEMBER.search(expr.replace(" ", ""))
    return m.group(1) if m else ""


def _saved(body: Body, vocab) -> dict[str, tuple[int, int]]:
    """Members the body stores a device read into -> where."""
    out = {}
    for s in body.pointer_stores:
        if s.value and vocab.kind(s.value, "", "down")[0] == "read" and _member(s.target):
            out.setdefault(_member(s.target), (s.line, s.column))
    for c in body.calls:
        if not c.indirect and vocab.kind(c.name, c.args, "down")[0] == "read":
            # Past the first argument: readl(&regs->ctrl) reads from there, into nothing.
            for m in _INTO.finditer(c.args, first_arg_end(c.args)):
                if _member(m.group()):
                    out.setdefault(_member(m.group()), (c.line, c.column))
    return out


def _written_back(body: Body, vocab, saved) -> list[tuple[str, object]]:
    """(member, call) of the register writes whose arguments name a saved member."""
    out = []
    for c in body.calls:
        kind, cls = vocab.kind(c.name, c.args, "up")
        if c.indirect or cls is None or cls.name != "registers":
            continue
        # Not as an address: writel(tmp, &regs->ctrl) writes to it, not it.
        values = _INTO.sub("", c.args)
        for member in saved:
            if re.search(rf"(?:->|\.)\s*{re.escape(member)}\b", values):
                out.append((member, c))
                break
    return out


def _candidates(model: FileModel, match: dict):
    """(table, suspend-side, resume-side members) of the tables with both,
    no hibernation member at any phase (set or written NULL), attached only
    to drivers of `buses`."""
    on: dict[str, set[str]] = {}
    for drv in model.drivers:
        for slot in drv.slots:
            if slot.name.rpartition(".")[2] == "pm":
                on.setdefault(slot.callback, set()).add(drv.type)
    hibernation = _hibernation_members()
    for table in judged_tables(model):
        have = table.slot_map
        suspend = [m for m in pmcore.members("suspend") if m in have]
        resume = [m for m in pmcore.members("resume") if m in have]
        buses = on.get(table.name, set())
        if (suspend and resume and buses and buses <= set(match["buses"])
                and not any(m in have or m in table.nulls for m in hibernation)):
            yield table, suspend, resume


def _callbacks(table: PmTable, members) -> list[str]:
    return [table.slot_map[m] for m in members]


@check("saved-not-restored", params=("buses",), optional=("vocabulary",),
       fields=("present", "fields", "s", "writer", "saver"), reads=lambda model, match: [
    cb for table, suspend, resume in _candidates(model, match) for cb in _callbacks(table, suspend + resume)])
def saved_not_restored(model: FileModel, match: dict) -> Iterator[Hit]:
    vocab = vocabulary(match)
    for table, suspend, resume in _candidates(model, match):
        saved: dict[str, tuple[int, int, tuple[str, ...]]] = {}
        for cb in _callbacks(table, suspend):
            for _, body, chain in _reach(model, cb):
                for member, (line, column) in _saved(body, vocab).items():
                    saved.setdefault(member, (line, column, chain))
        if not saved:
            continue
        back = []
        for cb in _callbacks(table, resume):
            for _, body, chain in _reach(model, cb):
                back.extend((member, call, chain) for member, call in _written_back(body, vocab, saved))
        if not back:
            continue
        members = list(dict.fromkeys(m for m, _, _ in back))
        notes = [Note(model.path, call.line, call.column,
                      f"{' -> '.join(f'{n}()' for n in chain)} calls {call.name}() with {member}: "
                      "written back on resume only")
                 for member, call, chain in back[:3]]
        line, column, chain = saved[members[0]]
        notes.append(Note(model.path, line, column,
                          f"{' -> '.join(f'{n}()' for n in chain)} saves {members[0]} from the device"))
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(suspend + resume),
            "fields": pmcore.listed(members[:4]) + (f" and {len(members) - 4} more" if len(members) > 4 else ""),
            "s": "" if len(members) > 1 else "s",
            "writer": pmcore.dotted(resume), "saver": pmcore.dotted(suspend)},
            notes=tuple(notes), items=tuple(f"{m} in {table.name}" for m in members))
