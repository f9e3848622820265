"""Match kinds: the general checks a rule in rules/ instantiates.

Each check is a pure function of a FileModel and the rule's [match] table;
it yields Hits and never prints. The rule's message template is filled in
from a Hit's fields by the engine.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pmlint import pmcore
from pmlint.model import FileModel, Location


@dataclass(frozen=True)
class Hit:
    location: Location
    symbol: str
    fields: dict = field(default_factory=dict, hash=False)


Check = Callable[[FileModel, dict], Iterator[Hit]]
CHECKS: dict[str, Check] = {}


def check(kind: str):
    def register(fn: Check) -> Check:
        CHECKS[kind] = fn
        return fn
    return register


def _tables(model: FileModel):
    """Tables the rules may judge: defined, and parsed without errors."""
    return [t for t in model.tables if t.defined and t.complete]


@check("analysis-problem")
def analysis_problem(model: FileModel, match: dict) -> Iterator[Hit]:
    for p in model.problems:
        yield Hit(Location(p.path, p.line, p.column), "", {"reason": p.reason})


@check("phase-pair")
def phase_pair(model: FileModel, match: dict) -> Iterator[Hit]:
    """At some phase, a member of side `from` is set but `to`'s is not."""
    down, up = pmcore.members(match["from"]), pmcore.members(match["to"])
    for table in _tables(model):
        have = table.slot_map
        pairs = [(d, u) for d, u in zip(down, up) if d in have and u not in have]
        if pairs:
            yield Hit(table.location, table.name, {
                "present": pmcore.dotted(d for d, _ in pairs),
                "missing": pmcore.dotted(u for _, u in pairs)})


@check("side-without-side")
def side_without_side(model: FileModel, match: dict) -> Iterator[Hit]:
    """A member of side `if_any` is set but no member of side `requires` at any phase."""
    sources, needed = pmcore.members(match["if_any"]), pmcore.members(match["requires"])
    for table in _tables(model):
        have = table.slot_map
        present = [s for s in sources if s in have]
        if present and not any(n in have for n in needed):
            yield Hit(table.location, table.name, {
                "present": pmcore.dotted(present), "missing": pmcore.dotted(needed)})


@check("driver-member-pair")
def driver_member_pair(model: FileModel, match: dict) -> Iterator[Hit]:
    """A driver struct of type `struct` sets member `from` but not `to`."""
    for drv in model.drivers:
        if drv.type == match["struct"] and drv.slot(match["from"]) and not drv.slot(match["to"]):
            yield Hit(drv.location, drv.name, {
                "present": f".{match['from']}", "missing": f".{match['to']}",
                "callback": drv.slot(match["from"]).callback})


@check("shared-callback")
def shared_callback(model: FileModel, match: dict) -> Iterator[Hit]:
    """One function set in member `member` and in any of the `shared_with` members."""
    for table in _tables(model):
        have = table.slot_map
        shared = []
        for member, others in match["pairs"]:
            fn = have.get(member)
            clash = [o for o in others if fn and have.get(o) == fn]
            if clash:
                shared.append((fn, member, clash))
        if shared:
            yield Hit(table.location, table.name, {
                "callbacks": ", ".join(f"{fn}() in .{m} and {pmcore.dotted(c)}"
                                       for fn, m, c in shared)})
