"""Match kind "saved-not-restored": the sleep callbacks save device registers
and write them back, and the table has no hibernation callback at all.

The suspend side reads registers into the driver's data
(`pcdev->save_cicr[i] = __raw_readl(...)`, `regmap_read(map, reg, &priv->x)`)
and the resume side writes the same members back to the device: the device
loses them when it is powered down. With no freeze, thaw, poweroff or
restore member, the PM core calls nothing of the table for hibernation
(drivers/base/power/main.c, pm_op(); the platform, i2c and spi glue call
only the driver's own member), so after resume from hibernation those
registers hold what the boot kernel left there.

That matters only for a register something sets at run time: one the
boot kernel's probe writes the same way (probe, what it calls) holds what
the driver wants after hibernation too. So a saved member counts only if
a function of the file writes the register it is saved from (the same
register, pmlint.rules.checks.registers, or the member itself as a value), and that
function is reached neither from the driver's probe nor from a PM
callback alone. Like pmlint.rules.checks.behaviour: a pure function of a FileModel
and the rule's [match] table.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from pmlint.kernel import pmcore
from pmlint.rules.checks import cexpr, reach
from pmlint.rules.checks.registry import Hit, check, judged_tables, only_on, table_buses
from pmlint.rules.checks.behaviour import vocabulary
from pmlint.model import Body, Call, FileModel, Note, PmTable
from pmlint.rules.checks.registers import Register, read_address, register, write_address
from pmlint.text.ctext import split_outside

_DEPTH = 4   # functions followed, as pmlint.kernel.effects does
# `&priv->saved` or `&priv->regs[i]` in a read call's arguments: where it reads into.
_INTO = re.compile(r"&\s*\(?\s*\w+(?:\s*(?:->|\.)\s*\w+(?:\s*\[[^\]]*\])*)+")
_HIBERNATION = ("freeze", "thaw", "poweroff", "restore")
# A plain store's value that is a call through a pointer: `gc->read_reg(`, `p->ops.rd(`.
_THROUGH = re.compile(cexpr.MEMBER_PATH + r"\s*\(")


def _hibernation_members() -> tuple[str, ...]:
    return tuple(m for side in _HIBERNATION for m in pmcore.members(side))


def _reach(model: FileModel, callback: str):
    """(function, body, chain) of the callback and of the file's functions it calls."""
    read = reach.bodies(model)
    for fn, chain in reach.closure(read, [callback], _DEPTH).items():
        yield fn, read[fn], chain


def _member(expr: str) -> str:
    m = cexpr.LAST_MEMBER.search(expr.replace(" ", ""))
    return m.group(1) if m else ""


def _saved(body: Body, vocab) -> dict[str, tuple[int, int, list[Register]]]:
    """Members the body stores a device read into -> where, and the registers read."""
    out: dict[str, tuple[int, int, list[Register]]] = {}

    def add(member, line, column, call):
        out.setdefault(member, (line, column, []))[2].extend(
            [register(read_address(call))] if call is not None else [])

    for s in body.pointer_stores:
        call = _value_call(body, s)
        read = vocab.of_call(call, "down") if call else vocab.kind(s.value, "", "down")
        if read[0] == "read" and _member(s.target):
            add(_member(s.target), s.line, s.column, call)
    for c in body.calls:
        if vocab.of_call(c, "down")[0] == "read":
            # Past the first argument: readl(&regs->ctrl) reads from there, into nothing.
            for m in _INTO.finditer(c.args, len(split_outside(c.args)[0])):
                if _member(m.group()):
                    add(_member(m.group()), c.line, c.column, c)
    return out


def _value_call(body: Body, store) -> Call | None:
    """The call a plain store writes the result of: the first of its name
    after the store's target; a call through a pointer, by the member its
    expression calls (`gc->read_reg(...)`)."""
    name, indirect = store.value, False
    if not name:
        through = _THROUGH.match(store.expr)
        if through is None:
            return None
        name, indirect = through.group(1), True
    return next((c for c in body.calls if c.name == name and c.indirect == indirect
                 and (c.line, c.column) > (store.line, store.column)), None)


def _written_back(body: Body, vocab, saved) -> list[tuple[str, object]]:
    """(member, call) of the register writes whose arguments name a saved member."""
    out = []
    for c in body.calls:
        cls = vocab.of_call(c, "up")[1]
        if cls is None or cls.name != "registers":
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
    on = table_buses(model)
    hibernation = _hibernation_members()
    for table in judged_tables(model):
        have = table.slot_map
        suspend = [m for m in pmcore.members("suspend") if m in have]
        resume = [m for m in pmcore.members("resume") if m in have]
        if (suspend and resume and only_on(on, table, match["buses"])
                and not any(m in have or m in table.nulls for m in hibernation)):
            yield table, suspend, resume


def _callbacks(table: PmTable, members) -> list[str]:
    return [table.slot_map[m] for m in members]


def _set_at_run_time(model: FileModel, vocab, saved) -> dict[str, list[tuple[Call, tuple[str, ...], str]]]:
    """Saved member -> its writes at run time, the first of each register:
    (call, the chain to it, the register). Run time is a function that
    neither the driver's probe nor a PM callback reaches (an ioctl, an
    irq_chip or uart_ops callback, a work item, an exported helper), and
    what it calls; chains start where nothing of the file calls."""
    read = reach.bodies(model)
    run = reach.run_time(model)
    out: dict[str, list[tuple[Call, tuple[str, ...], str]]] = {}
    for fn, chain in sorted(run.items(), key=lambda item: read[item[0]].first):
        for c in read[fn].calls:
            cls = vocab.of_call(c, "up")[1]
            if cls is None or cls.name != "registers":
                continue
            address, values = write_address(c)
            written = register(address)
            name = written.name or written.shown
            for member, (_, _, registers) in saved.items():
                if ((any(r.written_by(written) for r in registers)
                     or re.search(rf"(?:->|\.)\s*{re.escape(member)}\b", values))
                        and all(n != name for _, _, n in out.get(member, ()))):
                    out.setdefault(member, []).append((c, chain, name))
    return out


def _reads(model: FileModel, match: dict) -> list[str]:
    """The callbacks of the candidate tables, and every function of the file:
    where else the saved registers are written decides."""
    found = [cb for table, suspend, resume in _candidates(model, match)
             for cb in _callbacks(table, suspend + resume)]
    return found and found + [f.name for f in model.functions if f.body_at is not None]


def _distinct(writes):
    """The first write of each register."""
    seen: set[str] = set()
    return [w for w in writes if not (w[1] in seen or seen.add(w[1]))]


@check("saved-not-restored", params=("buses",), optional=("vocabulary",),
       fields=("present", "fields", "s", "writer", "saver"), reads=_reads)
def saved_not_restored(model: FileModel, match: dict) -> Iterator[Hit]:
    vocab = vocabulary(match)
    for table, suspend, resume in _candidates(model, match):
        saved: dict[str, tuple[int, int, list]] = {}
        where: dict[str, tuple[str, ...]] = {}
        for cb in _callbacks(table, suspend):
            for _, body, chain in _reach(model, cb):
                for member, (line, column, registers) in _saved(body, vocab).items():
                    saved.setdefault(member, (line, column, []))[2].extend(registers)
                    where.setdefault(member, chain)
        if not saved:
            continue
        back = []
        for cb in _callbacks(table, resume):
            for _, body, chain in _reach(model, cb):
                back.extend((member, call, chain) for member, call in _written_back(body, vocab, saved))
        run = _set_at_run_time(model, vocab, {m: saved[m] for m, _, _ in back}) if back else {}
        back = [b for b in back if b[0] in run]
        if not back:
            continue
        members = list(dict.fromkeys(m for m, _, _ in back))
        notes = [Note(model.path, call.line, call.column,
                      f"{reach.chain_text(chain)} calls {'->' if call.indirect else ''}{call.name}()"
                      + (f" (through {call.through}())" if call.through else "")
                      + f" with {member}: written back on resume only")
                 for member, call, chain in back[:3]]
        line, column, _ = saved[members[0]]
        notes.append(Note(model.path, line, column, f"{reach.chain_text(where[members[0]])} saves {members[0]} from the device"))
        writes = sorted({w[1:] + (w[0].line, w[0].column) for m in members for w in run[m]},
                        key=lambda w: (w[2], w[3]))
        notes.extend(Note(model.path, line, column,
                          f"{reach.chain_text(chain)} writes {name} at run time, not from probe or a PM callback: "
                          "the boot kernel's probe does not set it so")
                     for chain, name, line, column in _distinct(writes)[:3])
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(suspend + resume),
            "fields": pmcore.listed(members[:4]) + (f" and {len(members) - 4} more" if len(members) > 4 else ""),
            "s": "" if len(members) > 1 else "s",
            "writer": pmcore.dotted(resume), "saver": pmcore.dotted(suspend)},
            notes=tuple(notes), items=tuple(f"{m} in {table.name}" for m in members))
