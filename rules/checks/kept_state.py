"""Match kind "kept-not-restored": a setting written to the device at run
time and kept in the driver's data, and no restore-side callback to write
it again after hibernation.

bh1750's shape: `bh1750_change_int_time()`, reached from `.write_raw`,
writes the measurement time to the device (`i2c_smbus_write_byte(...,
val >> 5)`) and keeps it (`data->mtreg = val`); its table sets a suspend
side and no restore at any phase. Hibernation powers the machine off; the
boot kernel's probe programs the default and then the image's kernel gets
control back, and on PMSG_RESTORE the PM core calls the table's restore
members only (drivers/base/power/main.c, pm_op(); the platform, i2c, spi
and amba glue add nothing when the driver has a table, PCI only its config
space). So the device runs at the default while the driver goes on from
the value it kept.

Kept narrow: the value stored (`V` in `p->m = V`) must be one the same
function passes to a register write, the function must be reached at run
time (pmlint.rules.checks.reach: not from probe alone, not from a PM
callback alone), and no function of the file may write the member itself
to the device (`write(p->m)`): a setting written again from its member on
each use, or by any path, survives.

fsl-edma's shape, the second: the setting is written through a helper
(of the file, or of the files Kbuild links with it, fsl-edma-common.c's
fsl_edma_chan_mux()) and the resume side writes the member back through
it too, which says the device loses it when powered down. A write-back
from a PM callback is no write again at run time, nor is the run-time
function's own write after its store. Like the other checks: a pure
function of a FileModel and the rule's [match] table.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from pmlint.kernel import pmcore
from pmlint.kernel.effects import device_pointers
from pmlint.model import Body, Call, FileModel, Note, Store
from pmlint.rules.checks import cexpr, reach
from pmlint.rules.checks.behaviour import vocabulary
from pmlint.rules.checks import registers
from pmlint.rules.checks.linkedcalls import Bodies, Where, chain_text, relative
from pmlint.rules.checks.registry import (Hit, check, nothing_restores, restoreless, resume_side,
                                         resume_side_if_restoreless, whole_file_if_restoreless)

# A value that can differ from call to call: it names a variable (`val`,
# `usec / info->step`), not only constants (`MODE_A`, `0x10`, `true`).
_VARIABLE = re.compile(r"\b(?!(?:sizeof|true|false|NULL)\b)[a-z_]\w*\b(?!\s*\()")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# An argument that is a member's value: `fsl_chan->srcid`, `mux->chans[i].srcid`.
_MEMBER_VALUE = re.compile(cexpr.MEMBER_PATH)


def _writes(body: Body, vocab, skip) -> list[Call]:
    """The register writes of a body."""
    return [c for c in body.calls if _register_write(c, vocab, skip)]


def _register_write(call: Call, vocab, skip) -> bool:
    """Whether a call is a register write (the vocabulary's `registers`
    class, up direction) that `skip` (globs) does not name."""
    cls = vocab.of_call(call, "up")[1]
    return (cls is not None and cls.name == "registers"
            and not any(fnmatch.fnmatchcase(call.name, g) for g in skip))


def _names(text: str, what: str) -> bool:
    """`what` (blanks folded) occurs in `text` as a whole value: not as part
    of a longer name or member, nor as what a member or an element is taken
    of (`val` in `val >> 5`, not in `p->val`, `interval`, `val->len` or
    `val[i]`)."""
    what = "".join(what.split())
    return re.search(rf"(?<![\w.>]){re.escape(what)}(?![\w\[.]|->)", "".join(text.split())) is not None


def _writers(read: dict[str, Body], vocab, skip) -> set[str]:
    """The file's functions that write the device, themselves or through
    what they call (`foo_write(data, REG, val)` around an smbus write)."""
    return _writing(read, vocab, skip, lambda caller, name: name)


def _writing(every: dict, vocab, skip, callee) -> set:
    """The functions of `every` (key -> body) that write the device,
    themselves or through what they call: `callee(key, name)` is the key a
    call of `name` made by the function at `key` resolves to."""
    out = {k for k, body in every.items() if _writes(body, vocab, skip)}
    grew = True
    while grew:
        more = {k for k, body in every.items() if k not in out
                and any(not c.indirect and callee(k, c.name) in out for c in body.calls)}
        out |= more
        grew = bool(more)
    return out


def _rewritten(model: FileModel, vocab, skip, device, among=None) -> set[str]:
    """The members any function of the file (or of `among`) writes to the device as a
    value, directly or through a variable it assigns from them: in the
    arguments of a register write or of a function of the file that makes
    one (`writel(p->m, ...)`, `val = p->m | on; regmap_write(map, REG,
    val)`, `foo_write(data, REG, data->m)`) or stored through device
    memory (`regs->ctrl = p->m`); a write skipped when it would write the
    member's own value does not count (_unchanged)."""
    out: set[str] = set()
    read = reach.bodies(model)
    writers = _writers(read, vocab, skip)
    for name, body in read.items():
        if among is not None and name not in among:
            continue
        texts = [(c.args, c.line) for c in _writes(body, vocab, skip)]
        texts += [(c.args, c.line) for c in body.calls if not c.indirect and c.name in writers]
        texts += [(s.expr, s.line) for s in body.pointer_stores if device.intersection(s.pointers)]
        for text, line in texts:
            found = set(cexpr.MEMBER.findall(text))
            for a in body.assigns:
                if _names(text, a.name):
                    found.update(cexpr.MEMBER.findall(a.expr))
            out |= found - _unchanged(body.guards, line, text)
    return out


def _only_new(body: Body, store: Store, member: str) -> str:
    """What the note adds when the store is under a guard that skips
    writing the member's own value."""
    guard = next((g for g in body.guards if g.holds_at(store.line)
                  and member in _unchanged((g,), store.line, store.expr)), None)
    return f": a write is skipped when the value equals it (if ({guard.condition}))" if guard else ""


def _unchanged(guards, line: int, written: str) -> set[str]:
    """The members a write at `line` of `written` is skipped for when it
    would write their value: an enclosing `if (p->m != value)` whose other
    side the write writes (lm75's `lm75_write_config()`). Such a write never
    applies the kept setting again, only a new one."""
    out = set()
    for g in guards:
        sides = g.condition.split("!=")
        if g.holds_at(line) and len(sides) == 2:
            for member_side, value_side in (sides, sides[::-1]):
                value = value_side.strip()
                if _IDENTIFIER.fullmatch(value) and _names(written, value):
                    out.update(cexpr.MEMBER.findall(member_side))
    return out


def _carriers(body: Body, value: str) -> list[str]:
    """`value` and, when it is a variable, the variables the body assigns
    from it, directly or not (`regval = (val & mask) >> 5`)."""
    out = [value]
    if not _IDENTIFIER.fullmatch(value):
        return out
    grew = True
    while grew:
        grew = False
        for a in body.assigns:
            # Not an update of itself (`p = p + n`): a cursor, not a value of V.
            if (a.name not in out and not _names(a.expr, a.name)
                    and any(_names(a.expr, c) for c in out)):
                out.append(a.name)
                grew = True
    return out


def _kept(body: Body, vocab, skip, device) -> Iterator[tuple[Call, str, Store, str]]:
    """(write, what it writes, store, member) where the body writes a value
    to the device and keeps the same value in a member of the driver's data:
    the object the write reaches the device through (`data->client`,
    `priv->base`), a member of its own, not an element (`log[i]`: a record,
    not a setting)."""
    writes = _writes(body, vocab, skip)
    for s in body.pointer_stores:
        member = cexpr.LAST_MEMBER.search(s.target)
        if (not s.expr or not member or "[" in s.target or device.intersection(s.pointers)
                or not _VARIABLE.search(s.expr)):
            continue
        carriers = _carriers(body, s.expr)
        handle = re.compile(rf"(?<![\w.>]){re.escape(s.pointers[0])}(?!\w)")
        written = next(((c, v) for c in writes if handle.search(c.args)
                        for v in carriers if _names(c.args, v)), None)
        if written is not None:
            yield written[0], written[1], s, member.group(1)


def _device_writers(bodies: Bodies, vocab, skip) -> set[Where]:
    """The functions read, the file's and the linked files', that write the
    device, themselves or through what they call as the linker resolves it."""
    every = {(bodies.path, name): body for name, body in bodies.own.items()} | bodies.linked
    return _writing(every, vocab, skip, lambda where, name: bodies.callee(where[0], name))


def _device_write(bodies: Bodies, writers: set[Where], at: Where, call: Call, vocab, skip) -> bool:
    """Whether a call of the function at `at` writes the device: a register
    write, or a call of a function that makes one."""
    return _register_write(call, vocab, skip) or (
        not call.indirect and bodies.callee(at[0], call.name) in writers)


def _written_back(bodies: Bodies, roots, writers, vocab, skip) -> dict[str, tuple[tuple[Where, ...], Call]]:
    """Member -> (chain, call) where the resume side passes it, as a whole
    argument (`fsl_chan->srcid`), to a device write: the driver writes it
    back because the device loses it when powered down."""
    out: dict[str, tuple[tuple[Where, ...], Call]] = {}
    for chain, body in bodies.walk(roots):
        for c in body.calls:
            if _device_write(bodies, writers, chain[-1], c, vocab, skip):
                for arg in registers.arguments(c.args):
                    member = _MEMBER_VALUE.fullmatch(arg)
                    if member:
                        out.setdefault(member.group(1), (chain, c))
    return out


def _kept_written_back(model: FileModel, bodies: Bodies, writers: set[Where], table, vocab, skip,
                       device, run) -> tuple[Store, Call, str, tuple[str, ...], tuple] | None:
    """fsl-edma's shape: a run-time function stores a value in a member and
    writes it to the device (itself, or through a function of the file or
    of the linked files: `fsl_chan->srcid = dma_spec->args[1];
    fsl_edma_chan_mux(fsl_chan, fsl_chan->srcid, true)`), the resume side
    writes the member back, and no other run-time function of the file
    writes it to the device. (store, write, member, chain, written back)."""
    back = _written_back(bodies, resume_side(table), writers, vocab, skip)
    if not back:
        return None
    read = reach.bodies(model)
    for fn, chain in sorted(run.items(), key=lambda item: read[item[0]].first):
        for s in read[fn].pointer_stores:
            member = cexpr.LAST_MEMBER.search(s.target)
            if (not s.expr or not member or member.group(1) not in back or "[" in s.target
                    or device.intersection(s.pointers) or not _VARIABLE.search(s.expr)):
                continue
            name = member.group(1)
            values = [" ".join(s.target.split()), *_carriers(read[fn], s.expr)]
            write = next((c for c in read[fn].calls if c.line >= s.line
                          and _device_write(bodies, writers, (model.path, fn), c, vocab, skip)
                          and any(_names(c.args, v) for v in values)), None)
            if write is not None and name not in _rewritten(model, vocab, skip, device, set(run) - {fn}):
                return s, write, name, chain, back[name]
    return None


def _entry(model: FileModel, root: str) -> Note:
    """Where the run-time chain starts: the member it is set as, else the
    function nothing of the file calls."""
    entry = next((e for e in model.entries if e.function == root), None)
    if entry is not None:
        return Note(model.path, entry.location.line, entry.location.column,
                    f"{root}() is set as .{entry.member}: called at run time, "
                    "and neither probe nor a PM callback reaches it")
    fn = next(f for f in model.functions if f.name == root)
    return Note(model.path, fn.location.line, fn.location.column,
                f"nothing of the file calls {root}(), nor do probe or a PM callback reach it: "
                "called from outside at run time")


@check("kept-not-restored", params=("buses", "not_writes"), optional=("vocabulary",),
       fields=("present", "member", "writer"),
       # Where the setting is made and whether anything writes it again decides;
       # the resume side is followed out of the file (for what it writes back).
       reads=whole_file_if_restoreless, linked=resume_side_if_restoreless)
def kept_not_restored(model: FileModel, match: dict) -> Iterator[Hit]:
    tables = list(restoreless(model, match["buses"]))
    if not tables:
        return
    vocab = vocabulary(match)
    skip = tuple(match["not_writes"])
    device = device_pointers(model, vocab)
    read = reach.bodies(model)
    rewritten = _rewritten(model, vocab, skip, device)
    found: dict[str, tuple] = {}
    for fn, chain in sorted(reach.run_time(model).items(), key=lambda item: read[item[0]].first):
        for write, value, store, member in _kept(read[fn], vocab, skip, device):
            if member not in rewritten:
                found.setdefault(member, (write, value, store, chain))
    if not found:
        yield from _written_back_hits(model, tables, vocab, skip, device)
        return
    member, (write, value, store, chain) = next(iter(found.items()))
    where = reach.chain_text(chain)
    evidence = (
        Note(model.path, write.line, write.column,
             f"{where} calls {write.name}() with {value}"
             + ("" if value == store.expr else f", from {store.expr}") + ": the device is set at run time"),
        Note(model.path, store.line, store.column,
             f"{where} keeps {store.expr} in {store.target}; nothing of the file writes "
             f"{member} to the device again" + _only_new(read[chain[-1]], store, member)),
        _entry(model, chain[0]),
    )
    for table, down in tables:
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(down), "member": store.target, "writer": f"{chain[-1]}()"},
            notes=evidence + (nothing_restores(model, table),), items=tuple(f"{m} in {table.name}" for m in found))


def _called(bodies: Bodies, caller: str, name: str) -> str:
    """'f()', or 'f() (other.c)' for a function of a linked file."""
    callee = bodies.callee(caller, name)
    there = callee is not None and callee[0] != bodies.path
    return f"{name}()" + (f" ({relative(callee[0], bodies.path)})" if there else "")


def _written_back_hits(model: FileModel, tables, vocab, skip, device) -> Iterator[Hit]:
    bodies = Bodies(model)
    writers = _device_writers(bodies, vocab, skip)
    run = reach.run_time(model)
    for table, down in tables:
        found = _kept_written_back(model, bodies, writers, table, vocab, skip, device, run)
        if found is None:
            continue
        store, write, member, chain, (back_chain, back_call) = found
        where = reach.chain_text(chain)
        notes = (
            Note(model.path, store.line, store.column,
                 f"{where} keeps {store.expr} in {store.target}; no other function of the file "
                 f"run at run time writes {member} to the device"),
            Note(model.path, write.line, write.column,
                 f"{chain[-1]}() then calls {_called(bodies, model.path, write.name)} with {write.args}: "
                 "the device is set at run time"),
            _entry(model, chain[0]),
            Note(back_chain[-1][0], back_call.line, back_call.column,
                 f"{chain_text(back_chain, model.path)} writes {member} back to the device through "
                 f"{_called(bodies, back_chain[-1][0], back_call.name)}: the device loses it when powered down"),
            nothing_restores(model, table),
        )
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(down), "member": store.target, "writer": f"{chain[-1]}()"},
            notes=notes, items=(f"{member} in {table.name}",))
