"""Match kinds that judge what callbacks do (pmlint.kernel.effects), not only which
members a table sets. Like rules/checks/tables.py: pure functions of a FileModel and a
rule's [match] table, yielding Hits with their evidence as notes."""
from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache

from pmlint.kernel import effects, pmcore
from pmlint.rules.checks.registry import (Hit, check, judged_tables, nothing_restores, only_on,
                                          restores_nothing, table_buses)
from pmlint.kernel.effects import CallbackEffects, Effect
from pmlint.model import FileModel, Note, PmTable

_SHOWN = 4   # evidence notes per finding; the message says how many more

# What the PM core runs after the freeze callbacks, per way back up.
_PATHS = {
    "thaw": "after a cancelled Xen checkpoint and after every hibernation image is written (PMSG_THAW)",
    "restore": "after a Xen restore and after resume from hibernation (PMSG_RESTORE)",
}


@lru_cache(maxsize=16)
def _vocabulary(extra: str) -> effects.Vocabulary:
    return effects.vocabulary().extended(json.loads(extra))


def vocabulary(match: dict) -> effects.Vocabulary:
    """The shipped vocabulary with the project's additions (match["vocabulary"])."""
    return _vocabulary(json.dumps(match.get("vocabulary", {}), sort_keys=True))


def side_effects(model: FileModel, table: PmTable, members, vocab, role: str) -> list[CallbackEffects]:
    out = []
    for member in members:
        slot = table.slot(member)
        if slot is not None:
            out.append(effects.of_callback(model, slot.callback, slot.location, vocab, role))
    return out


# What the PM core runs for a callback that hands the device to runtime PM:
# pm_runtime_force_suspend() calls .runtime_suspend, pm_runtime_force_resume()
# calls .runtime_resume (drivers/base/power/runtime.c).
_FORCED = {"down": ("pm_runtime_force_suspend", "runtime_suspend"),
           "up": ("pm_runtime_force_resume", "runtime_resume")}


def _with_runtime(model: FileModel, table: PmTable, members, vocab, role: str) -> list[CallbackEffects]:
    """side_effects(), and the table's runtime callback's effects when the
    side forces runtime PM (it then runs that callback)."""
    side = side_effects(model, table, members, vocab, role)
    force, member = _FORCED[role]
    slot = table.slot(member)
    if slot is not None and any(e.call.name == force for ce in side for e in ce.effects):
        side.append(effects.of_callback(model, slot.callback, slot.location, vocab, role))
    return side


def _downs(side: list[CallbackEffects]) -> list[Effect]:
    """What the side takes down and leaves down, less what the bus undoes by itself."""
    seen, out = set(), []
    for ce in side:
        for e in ce.net("down"):
            key = (e.call.line, e.call.column, e.call.name)
            if not e.cls.bus and key not in seen:
                seen.add(key)
                out.append(e)
    return out


def _items(found: list[Effect]) -> tuple[str, ...]:
    """Each effect as what it is, not where: 'free_irq() in foo_freeze()'."""
    return tuple(dict.fromkeys(f"{e.api} in {e.chain[-1] + '()' if e.chain else 'the table'}"
                               for e in found))


def _whats(found: list[Effect]) -> str:
    return pmcore.listed(dict.fromkeys(e.cls.what for e in found))


def _note(path: str, e: Effect, tail: str) -> Note:
    if e.chain:
        text = f"{e.where} {e.verb} {e.api}{tail}"
    else:
        text = f"the table sets {e.api} itself{tail}"
    return Note(path, e.call.line, e.call.column, text)


def evidence(path: str, found: list[Effect], tail=lambda e: "") -> tuple[Note, ...]:
    notes = [_note(path, e, tail(e)) for e in found[:_SHOWN]]
    if len(found) > _SHOWN:
        last = found[_SHOWN - 1]
        notes[-1] = Note(path, last.call.line, last.call.column,
                         notes[-1].message + f" (and {len(found) - _SHOWN} more)")
    return tuple(notes)


def _unknown_detail(found: list[Effect]) -> str:
    names = list(dict.fromkeys(e.api for e in found))
    shown = pmcore.listed(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"pmlint does not know what {shown} {'does' if len(names) == 1 else 'do'}"


def _callbacks(table: PmTable, members) -> list[str]:
    have = table.slot_map
    return [have[m] for m in members if m in have]


def _left_down_candidates(model: FileModel, path: str):
    """(table, freeze-side members) of the tables with no member on the way back `path`."""
    back = pmcore.members(path) + ("complete",)
    for table in judged_tables(model):
        have = table.slot_map
        down_members = [m for m in pmcore.members("freeze") if m in have]
        if down_members and not any(m in have for m in back):
            yield table, down_members


@check("left-down", params=("path",), optional=("vocabulary",),
       fields=("present", "side", "when", "detail"), reads=lambda model, match: [
    cb for table, members in _left_down_candidates(model, match["path"])
    for cb in _callbacks(table, members)])
def left_down(model: FileModel, match: dict) -> Iterator[Hit]:
    """The freeze side takes the device down and no callback of side `path`
    (at any phase, or .complete) brings it back.

    A member of `path` written as NULL is the author's decision: only what
    nothing brings back on demand (a sticky class) is reported then. A freeze
    side whose effects are unknown is reported as a note, on the letter.
    (One finding per table: the report folds PM102's into PM101's,
    filters.one_per_table.)
    """
    path, vocab = match["path"], vocabulary(match)
    for table, down_members in _left_down_candidates(model, path):
        hit = _breaks(model, table, down_members, path, vocab)
        if hit is not None:
            yield hit


def _breaks(model: FileModel, table: PmTable, down_members: list[str], path: str, vocab) -> Hit | None:
    """The finding for a table with no member on the way back `path`, if its freeze side calls for one."""
    decided = [m for m in pmcore.members(path) if m in table.nulls]
    side = side_effects(model, table, down_members, vocab, "down")
    downs = _downs(side)
    fields = {"present": pmcore.dotted(down_members), "side": path, "when": _PATHS[path]}
    if decided:
        downs = [e for e in downs if e.cls.sticky]
    if downs:
        written = f" ({pmcore.dotted(decided)} written as NULL)" if decided else ""
        weak = all(e.cls.weak for e in downs)
        return Hit(table.location, table.name, {
            **fields, "detail": f"nothing brings back {_whats(downs)}, which the freeze side "
                                f"takes down{written}"},
            severity="warning" if weak else "", items=_items(downs),
            notes=evidence(model.path, downs, lambda e: f": {e.cls.what} left down"))
    if not decided and not any(ce.verdict == "quiesces" for ce in side):
        unknown = [e for ce in side for e in ce.unknown]
        if unknown:
            return Hit(table.location, table.name, {
                **fields, "detail": _unknown_detail(unknown) + ": if the freeze side stops the "
                                    "device, it stays stopped"},
                severity="note",
                notes=evidence(model.path, unknown, lambda e: ": not known to pmlint"))
    return None


def _snapshot_candidates(model: FileModel):
    """(table, suspend-side, freeze-side members) of the tables whose suspend
    side runs a callback the freeze side does not (else the freeze side
    stops all the suspend side does)."""
    for table in judged_tables(model):
        have = table.slot_map
        present = [m for m in pmcore.members("suspend") if m in have]
        freeze = [m for m in pmcore.members("freeze") if m in have]
        if (present and not any(m in table.nulls for m in pmcore.members("freeze"))
                and set(_callbacks(table, present)) - set(_callbacks(table, freeze))):
            yield table, present, freeze


@check("snapshot-live", params=("dma", "dma_classes", "buses"), optional=("vocabulary",),
       fields=("present", "freeze", "whats", "after"), reads=lambda model, match: [
    cb for table, present, freeze in _snapshot_candidates(model)
    for cb in _callbacks(table, present + freeze)])
def snapshot_live(model: FileModel, match: dict) -> Iterator[Hit]:
    """In a file whose device does DMA (it calls one of `dma`, or the suspend
    side stops one of `dma_classes`), the suspend
    side stops activity (queues, DMA) and no
    freeze-side callback at any phase stops any: it runs on while the memory
    snapshot is taken. A freeze member written as NULL is a decision; a
    freeze side that calls what pmlint does not know is not judged. An
    error when the table is only on drivers of `buses` and sets no restore
    side: then nothing starts what the suspend side stops after resume from
    hibernation either."""
    vocab = vocabulary(match)
    on = table_buses(model)
    dma_file = bool(set(model.called) & set(match["dma"]))
    for table, present, freeze in _snapshot_candidates(model):
        live = [e for e in _downs(side_effects(model, table, present, vocab, "down"))
                if e.cls.activity]
        if not live or not (dma_file or any(e.cls.name in match["dma_classes"] for e in live)):
            continue
        # The freeze side may stop the same activity by other means (a
        # register write, a subsystem helper): only one that stops none of
        # it, as far as pmlint knows, is judged.
        frozen = side_effects(model, table, freeze, vocab, "down")
        if any(ce.unknown for ce in frozen) or any(e.cls.activity for e in _downs(frozen)):
            continue
        buses = on.get(table.name, set())
        # pci_pm_restore_noirq() writes back the config space saved at
        # freeze, bus mastering included: that much the PCI core starts again.
        lost = [e for e in live if not (e.cls.name == "bus-master" and "pci_driver" in buses)]
        stays = bool(lost) and only_on(on, table, match["buses"]) and restores_nothing(table)
        notes = evidence(model.path, live, lambda e: f": the suspend side stops {e.cls.what}")
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(present),
            "freeze": pmcore.dotted(freeze) if freeze else "no freeze-side callback",
            "whats": _whats(live),
            "after": (", and with no restore-side callback nothing of this driver starts again "
                      "what its suspend side stops after resume from hibernation (PMSG_RESTORE)")
                     if stays else ""},
            severity="error" if stays else "",
            notes=notes + ((nothing_restores(model, table),) if stays else ()),
            items=_items(live))


def _both_sides(model: FileModel):
    """(table, freeze-side members, members of the ways back) of the tables that have both."""
    back = pmcore.members("thaw") + pmcore.members("restore") + ("complete",)
    for table in judged_tables(model):
        have = table.slot_map
        down_members = [m for m in pmcore.members("freeze") if m in have]
        up_members = [m for m in back if m in have]
        if down_members and up_members:
            yield table, down_members, up_members


@check("not-undone", optional=("vocabulary",),
       fields=("present", "back", "s", "s2", "whats", "when", "it", "s3"), reads=lambda model, match: [
    cb for table, down, up in _both_sides(model)
    for cb in _callbacks(table, down + up + ["runtime_resume"])])
def not_undone(model: FileModel, match: dict) -> Iterator[Hit]:
    """Both sides exist, but what the freeze side takes down the thaw or the
    restore side (any phase, or .complete) never brings back. A way back that
    calls what pmlint does not know is not judged: the missing call may be in
    there. One finding per table, for the first way back that misses some."""
    vocab = vocabulary(match)
    for table, down_members, _ in _both_sides(model):
        have = table.slot_map
        # Weak classes are left out: a work item or a timer is mostly re-armed
        # by the next event, and a register write is undone by what else the
        # way back does (docs/precision.md, PM107).
        downs = [e for e in _downs(side_effects(model, table, down_members, vocab, "down"))
                 if not e.cls.weak]
        for path in ("thaw", "restore"):
            up_members = [m for m in pmcore.members(path) + ("complete",) if m in have]
            if not downs or not up_members:
                continue
            up = _with_runtime(model, table, up_members, vocab, "up")
            if any(ce.unknown for ce in up):
                continue
            brought = {name for ce in up for e in ce.effects if e.kind == "up"
                       for name in e.cls.brings_back()}
            missing = [e for e in downs if e.cls.name not in brought]
            if missing:
                many = len(up_members) > 1
                yield Hit(table.location, table.name, {
                    "present": pmcore.dotted(down_members), "back": pmcore.dotted(up_members),
                    "s": "" if many else "s", "s2": "" if len(down_members) > 1 else "s",
                    "whats": _whats(missing), "when": _PATHS[path],
                    "it": "they" if len(missing) > 1 else "it",
                    "s3": "" if len(missing) > 1 else "s"},
                    notes=evidence(model.path, missing,
                                   lambda e, p=path: f": nothing on the {p} side brings back {e.cls.what}"),
                    items=_items(missing))
                break


def quiesces(model: FileModel, table: PmTable, members, match: dict) -> bool:
    """Some callback of `members` takes the device down, as far as pmlint knows."""
    return bool(_downs(side_effects(model, table, members, vocabulary(match), "down")))


def calls_any(model: FileModel, callback: str, names: set[str]) -> bool:
    """The callback, or a function of the file it calls, calls one of `names`."""
    bodies = {f.name: f.body for f in model.functions if f.body is not None}
    todo, seen = [callback], set()
    while todo:
        fn = todo.pop()
        if fn in seen or fn not in bodies:
            continue
        seen.add(fn)
        for call in bodies[fn].calls:
            if call.name in names:
                return True
            todo.append(call.name)
    return False


def takes_down(model: FileModel, table: PmTable, member: str, match: dict) -> bool:
    """The member's callback leaves down something of a class in match["refcounted"]."""
    wanted = set(match["refcounted"])
    return any(e.cls.name in wanted
               for e in _downs(side_effects(model, table, [member], vocabulary(match), "down")))


def _shared(model: FileModel, match: dict) -> list[str]:
    """The functions set both in a member of `pairs` and in one it is paired with."""
    return [fn for table in judged_tables(model) for member, others in match["pairs"]
            if (fn := table.slot_map.get(member)) and any(table.slot_map.get(o) == fn for o in others)]


@check("shared-callback", params=("pairs", "resumed_by", "smart_suspend", "refcounted",
                                  "marks_active", "asks"),
       optional=("vocabulary",), fields=("callbacks", "whats", "detail"), reads=_shared)
def shared_callback(model: FileModel, match: dict) -> Iterator[Hit]:
    """One function set in member `member` and in any of the `shared_with`
    members, that takes down a reference-counted resource (a class of
    `refcounted`), where the device can be runtime-suspended when the
    system-sleep callback runs: a second call unbalances the count.

    It cannot be when every driver the file attaches the table to is on a bus
    in `resumed_by` (the bus runtime-resumes the device first) and the file
    calls none of `smart_suspend`; nor when the shared callback itself asks
    (it calls one of `asks`) or keeps its own state (Body.guarded).
    """
    called = set(model.called)
    buses = {}
    for drv in model.drivers:
        for slot in drv.slots:
            if slot.name.rpartition(".")[2] == "pm":
                buses.setdefault(slot.callback, set()).add(drv.type)
    for table in judged_tables(model):
        on = buses.get(table.name, set())
        if on and on <= set(match["resumed_by"]) and not called & set(match["smart_suspend"]):
            continue
        have = table.slot_map
        shared = []
        for member, others in match["pairs"]:
            fn = have.get(member)
            clash = [o for o in others if fn and have.get(o) == fn]
            if clash and not calls_any(model, fn, set(match["asks"])) and not guarded(model, fn) and (
                    member == "runtime_resume" or takes_down(model, table, member, match)):
                shared.append((fn, member, clash))
        if any(m == "runtime_suspend" for _, m, _ in shared):
            twice = [e for e in _downs(side_effects(model, table, ["runtime_suspend"], vocabulary(match), "down"))
                     if e.cls.name in match["refcounted"]]
            # Without set_active anywhere in the file the device starts
            # runtime-suspended holding what probe enabled: whether a count
            # goes wrong depends on probe, which pmlint does not read
            # (docs/precision.md, PM106).
            active = bool(called & set(match["marks_active"]))
            yield Hit(table.location, table.name, {
                "callbacks": ", ".join(f"{fn}() in .{m} and {pmcore.dotted(c)}"
                                       for fn, m, c in shared),
                "whats": _whats(twice),
                "detail": "" if active else (
                    "; whether that unbalances a count depends on what probe leaves enabled: "
                    f"the file never calls {match['marks_active'][0]}(), so the device starts "
                    "runtime-suspended")},
                severity="" if active else "note", items=_items(twice),
                notes=evidence(model.path, twice, lambda e: f": {e.cls.what} taken down again"))


def guarded(model: FileModel, fn: str) -> bool:
    return any(f.name == fn and f.body is not None and f.body.guarded for f in model.functions)


def _stub_pairs(model: FileModel, table: PmTable, match: dict) -> list[tuple[str, str]]:
    """(work, stub) members of one phase where the stub's body does nothing and the work's does something."""
    trivial = {f.name: f.trivial for f in model.functions}
    have = table.slot_map
    return [(w, s) for w, s in zip(pmcore.members(match["work"]), pmcore.members(match["stub"]))
            if trivial.get(have.get(s)) is True and trivial.get(have.get(w)) is False]


@check("stub-counterpart", params=("work", "stub"), optional=("vocabulary",),
       fields=("stubs", "workers"), reads=lambda model, match: [
    table.slot_map[w] for table in judged_tables(model) for w, _ in _stub_pairs(model, table, match)])
def stub_counterpart(model: FileModel, match: dict) -> Iterator[Hit]:
    """At some phase, the `stub` side's callback does nothing while the `work`
    side's takes the device down (pmlint.kernel.effects). Callbacks whose bodies the file does not show
    (defined elsewhere or by a macro) are not judged."""
    for table in judged_tables(model):
        have = table.slot_map
        pairs = [(w, s) for w, s in _stub_pairs(model, table, match) if quiesces(model, table, [w], match)]
        if pairs:
            yield Hit(table.location, table.name, {
                "stubs": pmcore.listed(f".{s} = {have[s]}" for _, s in pairs),
                "workers": pmcore.listed(f".{w} = {have[w]}" for w, _ in pairs)})


def _restore_candidates(model: FileModel):
    """(table, resume, restore, freeze members) of the tables with all three
    sides whose resume side runs a callback the restore side does not (else
    the restore side brings back all the resume side does)."""
    for table in judged_tables(model):
        have = table.slot_map
        resume = [m for m in pmcore.members("resume") if m in have]
        restore = [m for m in pmcore.members("restore") + ("complete",) if m in have]
        freeze = [m for m in pmcore.members("freeze") if m in have]
        if resume and restore and freeze and set(_callbacks(table, resume)) - set(_callbacks(table, restore)):
            yield table, resume, restore, freeze


@check("restore-misses-resume", optional=("vocabulary",),
       fields=("resume", "restore", "freeze", "whats", "s", "s2", "it", "s3", "does"),
       reads=lambda model, match: [
    cb for table, resume, restore, freeze in _restore_candidates(model)
    for cb in _callbacks(table, resume + restore + freeze + ["runtime_suspend", "runtime_resume"])])
def restore_misses_resume(model: FileModel, match: dict) -> Iterator[Hit]:
    """The resume side (any phase) brings back something that the freeze side
    (any phase) takes down, and no restore-side callback (any phase, or
    .complete) brings it back. Restore starts from what the freeze side left:
    the image kernel's memory was saved after it ran, and the boot kernel ran
    it on the device before handing over (PMSG_QUIESCE).

    Only tables with a restore side (without one, PM102 reports it); weak
    classes are left out (as in not_undone); a restore side that calls what
    pmlint does not know is not judged."""
    vocab = vocabulary(match)
    for table, resume, restore, freeze in _restore_candidates(model):
        down: dict[str, Effect] = {}
        for e in _downs(_with_runtime(model, table, freeze, vocab, "down")):
            if not e.cls.weak:
                down.setdefault(e.cls.name, e)
        if not down:
            continue
        ups, seen = [], set()
        for ce in _with_runtime(model, table, resume, vocab, "up"):
            for e in ce.net("up"):
                if e.cls.name in down and not e.cls.bus and e.cls.name not in seen:
                    seen.add(e.cls.name)
                    ups.append(e)
        if not ups:
            continue
        back = _with_runtime(model, table, restore, vocab, "up")
        if any(ce.unknown for ce in back):
            continue
        brought = {n for ce in back for e in ce.effects if e.kind == "up" for n in e.cls.brings_back()}
        missing = [e for e in ups if e.cls.name not in brought]
        if missing:
            yield Hit(table.location, table.name, {
                "resume": pmcore.dotted(resume), "restore": pmcore.dotted(restore),
                "freeze": pmcore.dotted(freeze), "whats": _whats(missing),
                "s": "" if len(resume) > 1 else "s", "s2": "" if len(freeze) > 1 else "s",
                "it": "they" if len(missing) > 1 else "it", "s3": "" if len(missing) > 1 else "s",
                "does": "do" if len(restore) > 1 else "does"},
                notes=evidence(model.path, missing, lambda e: (
                    f": brings back {e.cls.what}, which {down[e.cls.name].where or 'the table'} "
                    f"takes down (line {down[e.cls.name].call.line}); no restore-side callback does")),
                items=_items(missing))
