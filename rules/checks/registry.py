"""The registry of match kinds: the general checks a rule in rules/ instantiates.

Each check is a pure function of a FileModel and the rule's [match] table;
it yields Hits and never prints. The rule's message template is filled in
from a Hit's fields by the engine. Where a check is registered, @check(kind,
params=, optional=, fields=, reads=, configurations=, linked=) says what
its [match] takes, which fields its Hits carry and what it needs parsed:
the catalogue holds every rule to that when it loads.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pmlint.kernel import pmcore
from pmlint.model import FileModel, Location, Note, PmTable


@dataclass(frozen=True)
class Hit:
    location: Location
    symbol: str
    fields: dict = field(default_factory=dict, hash=False)
    severity: str = ""            # "" for the rule's; lower when the evidence is weaker
    notes: tuple[Note, ...] = ()  # the evidence, shown as a compiler's notes
    items: tuple[str, ...] = ()   # what it names, item by item (Finding.items)


Check = Callable[[FileModel, dict], Iterator[Hit]]
Reads = Callable[[FileModel, dict], Iterable[str]]


@dataclass(frozen=True)
class Kind:
    """A match kind, as registered: the check, the keys of the [match] table
    it takes besides `kind`, and the fields its Hits carry, which a rule's
    message may name (with `symbol`, which every Hit has). The catalogue
    checks each rule against its kind when it loads (pmlint.catalogue)."""

    name: str
    check: Check
    params: frozenset[str]                   # keys the [match] table must have
    optional: frozenset[str]                 # keys it may have
    fields: Callable[[dict], Iterable[str]]  # the match -> the fields of its Hits
    # The callbacks whose bodies the check reads in a model (Function.body):
    # only those are read (pmlint.text.bodytext.attach), so a run pays for bodies
    # only where a selected rule may judge them.
    reads: Reads | None = None
    # Whether it reads FileModel.configurations: without such a check
    # selected, a file is parsed in one configuration only.
    configurations: bool = False
    # The callbacks whose calls it follows into the files Kbuild links with
    # the file (FileModel.linked and links, pmlint.kernel.modulelinks); None
    # for a check that reads no other file. Fewer than `reads` where a check
    # reads the whole file but follows only some of it out of the file.
    linked: Reads | None = None


KINDS: dict[str, Kind] = {}


def check(kind: str, *, params: Iterable[str] = (), optional: Iterable[str] = (),
          fields: Iterable[str] | Callable[[dict], Iterable[str]] = (), reads: Reads | None = None,
          configurations: bool = False, linked: Reads | None = None):
    """Register a match kind (see Kind); `fields` is a function of the match
    where what the Hits carry depends on it."""
    def register(fn: Check) -> Check:
        given = fields if callable(fields) else (lambda match, names=tuple(fields): names)
        KINDS[kind] = Kind(kind, fn, frozenset(params), frozenset(optional), given, reads,
                           configurations, linked)
        return fn
    return register


def kinds() -> dict[str, Kind]:
    """Every match kind: each module of checks registers its own when imported."""
    from pmlint.rules.checks import behaviour, firmware, kept_state, running, saved_state, tables  # noqa: F401  (they import this module)
    return KINDS


def judged_tables(model: FileModel):
    """Tables the rules may judge: defined, and parsed without errors."""
    return [t for t in model.tables if t.defined and t.complete]


def table_buses(model: FileModel) -> dict[str, set[str]]:
    """Table name -> the types of the file's driver objects whose `.pm` it is."""
    on: dict[str, set[str]] = {}
    for drv in model.drivers:
        for slot in drv.slots:
            if slot.name.rpartition(".")[2] == "pm":
                on.setdefault(slot.callback, set()).add(drv.type)
    return on


def only_on(on: dict[str, set[str]], table, buses) -> bool:
    """Whether a table is the `.pm` of some driver and only of drivers of
    `buses` (`on` is table_buses())."""
    attached = on.get(table.name, set())
    return bool(attached) and attached <= set(buses)


def restoreless(model: FileModel, buses) -> Iterator[tuple[PmTable, list[str]]]:
    """(table, its suspend-side members) of the tables with a suspend,
    freeze or poweroff side and nothing for resume from hibernation to call
    (restores_nothing), attached only to drivers of `buses`."""
    on = table_buses(model)
    for table in judged_tables(model):
        have = table.slot_map
        down = [m for side in ("suspend", "freeze", "poweroff") for m in pmcore.members(side) if m in have]
        if down and only_on(on, table, buses) and restores_nothing(table):
            yield table, down


def whole_file_if_restoreless(model: FileModel, match: dict) -> list[str]:
    """Every function of the file, when it has a restoreless() table: for
    the checks that judge such a table by what the whole file does."""
    if not any(True for _ in restoreless(model, match["buses"])):
        return []
    return [f.name for f in model.functions if f.body_at is not None]


def resume_side(table) -> list[str]:
    """The table's resume-side callbacks, at every phase."""
    return [table.slot_map[m] for m in pmcore.members("resume") if m in table.slot_map]


def resume_side_if_restoreless(model: FileModel, match: dict) -> list[str]:
    """The resume side of the restoreless() tables: for the checks that
    follow it into the files Kbuild links with the file."""
    return [fn for t, _ in restoreless(model, match["buses"]) for fn in resume_side(t)]


def restores_nothing(table) -> bool:
    """Whether resume from hibernation calls no callback of the table: no
    restore-side member at any phase set, and no .complete (dpm_complete()
    runs after dpm_resume_end(PMSG_RESTORE), kernel/power/hibernate.c)."""
    have = table.slot_map
    return "complete" not in have and not any(m in have for m in pmcore.members("restore"))


def nothing_restores(model: FileModel, table) -> Note:
    """The evidence that PMSG_RESTORE calls nothing of a table's driver."""
    return Note(model.path, table.location.line, table.location.column,
                f"'{table.name}' has no .restore, .restore_early, .restore_noirq or .complete: "
                "PMSG_RESTORE calls nothing of this driver")
