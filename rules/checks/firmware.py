"""Match kind "loaded-at-probe-not-restored": the driver's probe loads the
device's firmware, and no restore-side callback is there to load it again
after hibernation.

cw1200_spi's shape: `SIMPLE_DEV_PM_OPS(cw1200_pm_ops, cw1200_spi_suspend,
NULL)`, and its probe calls cw1200_core_probe() (main.c, exported by the
module cw1200_core), which requests the firmware and downloads it
(cw1200_load_firmware(), fwio.c). Hibernation powers the machine off, and
on PMSG_RESTORE the PM core calls only the table's restore members
(drivers/base/power/main.c, pm_op(); the platform, i2c, spi and amba glue
add nothing when the driver has a table, PCI only its config space). So
the device comes back without its firmware, or, where the boot kernel
probed it too, with a firmware that boot kernel loaded and started, whose
session (sequence numbers, queues, association) is not the one the image's
driver goes on from. The calls are followed into the files Kbuild links
with the table's file (FileModel.linked). Like the other checks: a pure
function of a FileModel and the rule's [match] table.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from pmlint.kernel import pmcore
from pmlint.model import Call, FileModel, Guard, Note
from pmlint.rules.checks import cexpr, reach
from pmlint.rules.checks.linkedcalls import Bodies, Where, chain_text, relative
from pmlint.rules.checks.registry import Hit, check, nothing_restores, restoreless, whole_file_if_restoreless

def _probes(model: FileModel, tables) -> list[str]:
    """The probes of the drivers whose `.pm` is one of `tables`."""
    names = {t.name for t in tables}
    return sorted({d.probe for d in model.drivers if d.probe
                   and any(s.name.rpartition(".")[2] == "pm" and s.callback in names for s in d.slots)})


def _load(bodies: Bodies, probes: list[str], loads) -> tuple[tuple[Where, ...], Call] | None:
    """The shortest chain from a probe to a function that calls one of
    `loads` (globs), and that call."""
    for chain, body in bodies.walk(probes):
        call = next((c for c in body.calls if not c.indirect
                     and any(fnmatch.fnmatchcase(c.name, g) for g in loads)), None)
        if call is not None:
            return chain, call
    return None


def _once(model: FileModel, loads, run) -> tuple[str, Guard, Call] | None:
    """A function of the file run at run time (`run`: not probe, not a PM
    callback) that loads the firmware once: before it requests it (itself
    or through the file's functions it calls, two calls deep), it returns
    while a member is set that it stores afterwards, or that what it calls
    stores (mtk_vpu's vpu_load_firmware(): `if (vpu->fw_loaded) { ...
    return 0; }` ... `vpu->fw_loaded = true;`). After hibernation the
    member is the image's: it says the firmware is loaded."""
    read = reach.bodies(model)

    def loader(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in loads)

    for fn in run:
        reached = reach.closure(read, [fn], 3)
        # The functions reached that request it, nearest first, and their first request.
        makes: dict[str, Call] = {}
        for g in reached:
            for c in read[g].calls:
                if not c.indirect and loader(c.name):
                    makes.setdefault(g, c)
        if not makes:
            continue
        call = next(iter(makes.values()))
        # Where fn asks for it: the request, or the call to what makes it.
        at = min(c.line for c in read[fn].calls if not c.indirect and (
            loader(c.name) or c.name != fn and makes.keys() & reach.closure(read, [c.name], 2).keys()))
        stored = {" ".join(st.target.split()) for g in reached for st in read[g].pointer_stores
                  if g != fn or st.line > at}
        for guard in read[fn].guards:
            if guard.leaves and guard.last < at and any(
                    not part.startswith("!") and part in stored and cexpr.MEMBER.search(part)
                    for part in cexpr.conjuncts(guard.condition)):
                return fn, guard, call
    return None


def _leaves(bodies: Bodies, chain: tuple[Where, ...]) -> Note | None:
    """Where the chain leaves the table's file: the call in it to a function of another file."""
    for (path, name), (to_path, to_name) in zip(chain, chain[1:]):
        if path == bodies.path and to_path != path:
            call = next(c for c in bodies.own[name].calls if c.name == to_name and not c.indirect)
            how = ("which exports it" if bodies.links[(path, to_name)].exported
                   else "an object of the same module")
            return Note(path, call.line, call.column,
                        f"{name}() calls {to_name}(), defined in {relative(to_path, path)}, {how}")
    return None


def _linked(model: FileModel, match: dict) -> list[str]:
    """The probes of the drivers of a table that may be judged, and its runtime resume."""
    tables = [t for t, _ in restoreless(model, match["buses"])]
    return _probes(model, tables) + [t.slot_map["runtime_resume"] for t in tables
                                     if "runtime_resume" in t.slot_map]


def _runtime_without(bodies: Bodies, table, loads) -> bool:
    """The table powers the device down and up at run time, and its runtime
    resume loads no firmware: the device works after a power-down without
    probe's (it keeps it, or the driver loads it on each use)."""
    have = table.slot_map
    return ("runtime_suspend" in have and "runtime_resume" in have
            and _load(bodies, [have["runtime_resume"]], loads) is None)


@check("loaded-at-probe-not-restored", params=("buses", "loads"),
       fields=("present", "loader", "request"),
       # The file whole for what runs at run time; probe followed into the linked files.
       reads=whole_file_if_restoreless, linked=_linked)
def loaded_at_probe_not_restored(model: FileModel, match: dict) -> Iterator[Hit]:
    bodies = Bodies(model)
    run = reach.run_time(model) if any(True for _ in restoreless(model, match["buses"])) else {}
    for table, down in restoreless(model, match["buses"]):
        if _runtime_without(bodies, table, match["loads"]):
            continue
        found = _load(bodies, _probes(model, [table]), match["loads"])
        if found is not None:
            chain, call = found
            where = chain_text(chain, model.path)
            notes = [Note(chain[-1][0], call.line, call.column,
                          f"{where} calls {call.name}(): the driver's probe loads the device's firmware")]
            leaves = _leaves(bodies, chain)
            notes += [leaves] if leaves else []
            loader = chain[0][1]
        elif (once := _once(model, match["loads"], run)) is not None:
            loader, guard, call = once
            notes = [Note(model.path, guard.first, guard.column,
                          f"{loader}() loads the device's firmware once ({call.name}()): it returns "
                          f"before the load while `{guard.condition}`, which it sets, says the firmware is loaded")]
        else:
            continue
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(down), "loader": f"{loader}()", "request": f"{call.name}()"},
            notes=(*notes, nothing_restores(model, table)))
