"""Match kinds on what a file's tables, driver objects and #if guards say:
the members set, the macros and helpers used, the paths through code that
drives the PM core. Pure functions of a FileModel and a rule's [match] table
(registered with pmlint.rules.checks.registry)."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from pmlint.kernel import kversion, pmcore, pmhistory
from pmlint.model import FileModel, Location, Note
from pmlint.rules.checks.registry import Hit, check, judged_tables


@check("analysis-problem", fields=("reason",))
def analysis_problem(model: FileModel, match: dict) -> Iterator[Hit]:
    for p in model.problems:
        yield Hit(Location(p.path, p.line, p.column), "", {"reason": p.reason})


@check("unevaluable-condition", fields=("assumed",))
def unevaluable_condition(model: FileModel, match: dict) -> Iterator[Hit]:
    """An #if near PM code that the parse could not evaluate (pmlint.text.conditions)."""
    for a in model.assumed:
        if a.said:
            yield Hit(Location(model.path, a.line), a.condition, {"assumed": f"'{a.condition}': {a.said}"})
            continue
        names, one = pmcore.listed(a.names), len(a.names) == 1
        if a.function_like:
            assumed = (f"{names} {'is a macro' if one else 'are macros'} pmlint does not know, "
                       "so it took the condition as false (the code under it is not checked)")
        else:
            assumed = f"{names} {'is' if one else 'are'} not defined, so pmlint took {'it' if one else 'them'} as 0"
        yield Hit(Location(model.path, a.line), ",".join(a.names), {"assumed": (
            f"'{a.condition}' cannot be evaluated without the kernel's headers: {assumed}; "
            "define what the build defines with -D, or give the real flags with -p")})


@check("driver-member-pair", params=("struct", "from", "to"),
       fields=("present", "missing", "callback"))
def driver_member_pair(model: FileModel, match: dict) -> Iterator[Hit]:
    """A driver struct of type `struct` sets member `from` but not `to`."""
    for drv in model.drivers:
        if drv.type == match["struct"] and drv.slot(match["from"]) and not drv.slot(match["to"]):
            yield Hit(drv.location, drv.name, {
                "present": f".{match['from']}", "missing": f".{match['to']}",
                "callback": drv.slot(match["from"]).callback})


@check("deprecated-macro", params=("replace",), optional=("needs", "kernel"),
       fields=("macros", "replacements"))
def deprecated_macro(model: FileModel, match: dict) -> Iterator[Hit]:
    """A table written with a macro that `replace` maps to its replacement.

    A macro that writes the whole table (SIMPLE_DEV_PM_OPS) stands for the
    member macros it expands to; otherwise the macros each member went
    through count, so a driver's own wrapper macro does not hide them.
    With `kernel` (the oldest kernel checked, X.Y.Z), a macro whose
    replacement needs what that kernel's pm.h does not have yet (`needs`,
    pmlint.kernel.pmhistory) is not reported, and a note says what the advice needs.
    """
    replace, needs = match["replace"], match.get("needs", {})
    kernel = kversion.parse_one(match["kernel"]) if "kernel" in match else None
    for table in judged_tables(model):
        if table.defined_by in replace:
            used = {table.defined_by: table.defined_by}  # macro -> what the source names
        else:
            used = {}
            for slot in table.slots:
                for macro in slot.macros:
                    if macro in replace:
                        used.setdefault(macro, slot.via)
        if kernel is not None:
            used = {m: via for m, via in used.items() if not pmhistory.missing(needs.get(m, ()), kernel)}
        if used:
            yield Hit(table.location, table.name, {
                "macros": pmcore.listed(m if via == m else f"{m} (through {via})"
                                        for m, via in used.items()),
                "replacements": pmcore.listed(replace[m] for m in used)},
                items=tuple(used), notes=_since_notes(table.location, used, needs, kernel))


def _since_notes(where: Location, used, needs: dict, kernel) -> tuple[Note, ...]:
    """What the advice needs, and since when pm.h has it: said when a kernel was named."""
    if kernel is None:
        return ()
    wanted = sorted({n for m in used for n in needs.get(m, ())}, key=lambda n: (pmhistory.since()[n], n))
    return (Note(where.path, where.line, where.column, (
        f"{pmcore.listed(f'{n} (since {kversion.shown(pmhistory.since()[n])})' for n in wanted)}: "
        f"all in pm.h of {kversion.shown(kernel)}, the oldest kernel checked")),)


@check("table-where", params=("where",), optional=("headers",))
def table_where(model: FileModel, match: dict) -> Iterator[Hit]:
    """A table whose attributes have the values `where` gives, e.g. { const = false }.

    With headers = false, tables in header files are not judged: what uses
    them is in the files that include the header.
    """
    if not match.get("headers", True) and model.path.endswith(".h"):
        return
    for table in judged_tables(model):
        if all(getattr(table, key) == value for key, value in match["where"].items()):
            yield Hit(table.location, table.name, {})


@check("pointer-not-wrapped", params=("new", "old", "wrappers", "defined_by", "unless_guarded"),
       optional=("kernel",), fields=("member", "table", "wrapper"))
def pointer_not_wrapped(model: FileModel, match: dict) -> Iterator[Hit]:
    """A driver's pm member points, not through a `wrappers` macro, at a new-style table.

    New-style: defined by a macro matching `defined_by`, or with a member set
    through a `new` macro and not through an `old` one. Its callbacks are not
    under #ifdef; only the wrapper lets the compiler drop them when PM is off.
    With `kernel` (the oldest kernel checked), not where its pm.h lacks the wrapper.
    """
    kernel = kversion.parse_one(match["kernel"]) if "kernel" in match else None
    new, old, wrappers = set(match["new"]), set(match["old"]), set(match["wrappers"])
    defined_by, guard = re.compile(match["defined_by"]), re.compile(match["unless_guarded"])

    def guarded(line: int) -> bool:  # an #ifdef CONFIG_PM of the driver's own does the job
        return any(guard.search(g) for g in model.guards(line))

    tables = {t.name: t for t in judged_tables(model) if not guarded(t.location.line) and (
        defined_by.match(t.defined_by)
        or any(new & set(s.macros) and not old & set(s.macros) for s in t.slots))}
    for drv in model.drivers:
        for slot in drv.slots:
            table = tables.get(slot.callback)
            if (table and slot.name.rpartition(".")[2] == "pm" and not wrappers & set(slot.macros)
                    and not guarded(slot.location.line)):
                wrapper = "pm_ptr" if any(s.name in pmcore.RUNTIME for s in table.slots) else "pm_sleep_ptr"
                if kernel is None or not pmhistory.missing([wrapper], kernel):
                    yield Hit(drv.location, drv.name, {
                        "member": f".{slot.name}", "table": table.name, "wrapper": wrapper})


@check("callback-left-out", fields=("callbacks",))
def callback_left_out(model: FileModel, match: dict) -> Iterator[Hit]:
    """A table or a driver's PM member names a function the file defines only in
    code the configuration leaves out, and nothing else visible declares.

    A table counts every name its initializer uses: one that pm_sleep_ptr()
    turns into NULL must still be declared.
    """
    objects = [(t.name, t.location, t.refers_to) for t in judged_tables(model)]
    objects += [(d.name, d.location, [s.callback for s in d.slots]) for d in model.drivers]
    for name, location, names in objects:
        missing = [n for n in dict.fromkeys(names) if n in model.left_out]
        if missing:
            yield Hit(location, name, {"callbacks": pmcore.listed(f"{n}()" for n in missing)})


@check("driver-members", params=("structs", "members"), fields=("type", "present"))
def driver_members(model: FileModel, match: dict) -> Iterator[Hit]:
    """A driver struct of one of the types `structs` sets any of `members`."""
    for drv in model.drivers:
        present = [m for m in match["members"] if drv.slot(m)] if drv.type in match["structs"] else []
        if present:
            yield Hit(drv.location, drv.name, {"type": drv.type, "present": pmcore.dotted(present)})


@check("pm-sequence", params=("issue",), fields=("detail", "path", "under"))
def pm_sequence(model: FileModel, match: dict) -> Iterator[Hit]:
    """Issues of one kind found by following every path of a PM-core driver,
    in every configuration parsed; each says under which settings of the
    options varied it holds (nothing when in all of them)."""
    from pmlint.rules.checks.sequence import analyse
    settings = [model.varied] + [v.setting for v in model.variants]
    found: dict = {}   # (function, line, detail) -> (sequence, issue, settings it holds in)
    for setting, sequences in zip(settings, [model.sequences] + [v.sequences for v in model.variants]):
        for seq in sequences:
            for issue in analyse(seq):
                if issue.kind == match["issue"]:
                    found.setdefault((seq.function, issue.line, issue.detail), (seq, issue, []))[2].append(setting)
    for seq, issue, holds in found.values():
        condition = _condition(holds, settings)
        under = f" with {condition}" if condition else ""
        if model.unvaried:
            under += f" ({pmcore.listed(model.unvaried)} as given: past the options varied)"
        yield Hit(Location(seq.location.path, issue.line, 1), seq.function, {
            "detail": issue.detail, "under": under,
            "path": " -> ".join(str(n) for n in issue.path)})


def _condition(holds: list[tuple[str, ...]], every: list[tuple[str, ...]]) -> str:
    """The settings `holds` among `every` as the fewest options' values:
    "CONFIG_A=y", "CONFIG_A=y and CONFIG_B=n", or terms joined by "or";
    "" when `holds` is all of them. A setting is a tuple of "CONFIG_X" (on)
    and "!CONFIG_X" (off)."""
    want, every = set(holds), set(every)
    if want == every:
        return ""
    literals = sorted({lit for setting in every for lit in setting}, key=lambda x: (x.lstrip("!"), x[0] == "!"))
    terms = [t for n in range(1, len(literals) + 1) for t in itertools.combinations(literals, n)
             if len({lit.lstrip("!") for lit in t}) == n]

    def matched(term) -> set:
        return {s for s in every if set(term) <= set(s)}
    exact = next((t for t in terms if matched(t) == want), None)
    chosen = [exact] if exact else []
    left = set() if exact else set(want)
    while left:   # the fewest terms that each hold only where it holds
        term = max((t for t in terms if matched(t) <= want), key=lambda t: (len(matched(t) & left), -len(t)))
        chosen.append(term)
        left -= matched(term)

    def text(term) -> str:
        return " and ".join(f"{lit[1:]}=n" if lit.startswith("!") else f"{lit}=y" for lit in term)
    return text(chosen[0]) if len(chosen) == 1 else " or ".join(f"({text(t)})" if len(t) > 1 else text(t)
                                                               for t in chosen)


# -- configuration guards (PM204-PM206) ----------------------------------

def _written(condition: str) -> str:
    """An #if line without its trailing comment."""
    return re.sub(r"\s*/[*/].*$", "", condition)


def _kept_referenced(model: FileModel, new: set, old: set, table_macros: re.Pattern) -> dict[str, str]:
    """Callbacks set only through macros that reference them in every
    configuration (`new`, never `old`), and the macro the source names for it."""
    through, other = {}, set()
    for table in judged_tables(model):
        for slot in table.slots:
            macros = set(slot.macros)
            if macros & new and not macros & old:
                named = table.defined_by if table_macros.match(table.defined_by) else next(
                    m for m in slot.macros if m in new)
                through.setdefault(slot.callback, named)
            else:
                other.add(slot.callback)
    other.update(s.callback for d in model.drivers for s in d.slots)
    return {name: macro for name, macro in through.items() if name not in other}


@check("redundant-guard", params=("new", "old", "table_macros", "guard"),
       fields=("subject", "macros", "them", "advice"), configurations=True)
def redundant_guard(model: FileModel, match: dict) -> Iterator[Hit]:
    """__maybe_unused on, or an #if matching `guard` around, callbacks that only
    `new` macros reference, which they do in every configuration.

    The parser's facts per configuration prove it: the callback is referenced
    in each and no use of it is left undefined in any. A guarded callback must
    also not be called from code: the guard may be for its caller.
    """
    facts = model.configurations
    if not facts:
        return
    kept = _kept_referenced(model, set(match["new"]), set(match["old"]),
                            re.compile(match["table_macros"]))
    unsafe = {f.name for c in facts for f in c.unused} | {u.name for c in facts for u in c.undefined}
    guard = re.compile(match["guard"])
    blocks: dict = {}   # Conditional -> {callback: macro}
    for fn in model.functions:
        macro = kept.get(fn.name)
        if not fn.defined or macro is None or fn.name in unsafe:
            continue
        if all(fn.name in c.marked for c in facts):
            yield Hit(fn.location, fn.name, {
                "subject": f"__maybe_unused on {fn.name}()", "macros": macro, "them": "it",
                "advice": "remove __maybe_unused"})
        elif fn.name not in model.given.called:
            for block in model.held_by(fn.location.line):
                if guard.search(block.condition):
                    blocks.setdefault(block, {})[fn.name] = macro
    for block, names in sorted(blocks.items(), key=lambda kv: kv[0].first):
        yield Hit(Location(model.path, block.first, 1), ", ".join(names), {
            "subject": f"'{_written(block.condition)}' around {pmcore.listed(f'{n}()' for n in names)}",
            "macros": pmcore.listed(dict.fromkeys(names.values())),
            "them": "it" if len(names) == 1 else "them",
            "advice": "remove the #if (and any stubs in its #else) and point at the table "
                      "with pm_ptr() or pm_sleep_ptr()"})


@check("config-mismatch", params=("unused", "undefined"),
       # A Hit carries `off` and the keys of the table for its problem: a
       # message may name those both tables have.
       fields=lambda match: ("off", *(set(match["unused"]) & set(match["undefined"]))),
       configurations=True)
def config_mismatch(model: FileModel, match: dict) -> Iterator[Hit]:
    """With an option switched off, a static function the configuration given
    uses is defined but unused (not __maybe_unused), or a name it defines is
    used undefined. Each name is reported once, for the first such option."""
    given = model.given
    was_unused = {f.name for f in given.unused}
    was_undefined = {u.name for u in given.undefined}
    seen = set()
    for facts in model.configurations:
        if not facts.off:
            continue
        for fn in facts.unused:
            if fn.name not in was_unused | set(facts.marked) | seen:
                seen.add(fn.name)
                yield Hit(fn.location, fn.name, {"off": facts.off, **match["unused"]})
        for use in facts.undefined:
            if use.name not in was_undefined | seen:
                seen.add(use.name)
                yield Hit(use.location, use.name, {"off": facts.off, **match["undefined"]})


@check("wrong-guard", params=("sides", "guard"), fields=("members", "guards"))
def wrong_guard(model: FileModel, match: dict) -> Iterator[Hit]:
    """Members of the `sides` set, their callbacks defined, or a driver's pointer
    to their table, only under an #if matching `guard`."""
    guard = re.compile(match["guard"])
    members = {m for side in match["sides"] for m in pmcore.members(side)}
    defined = {f.name: f.location.line for f in model.functions if f.defined}

    def wrong(lines) -> list[str]:
        return list(dict.fromkeys(_written(c.condition) for line in lines for c in model.held_by(line)
                                  if guard.search(c.condition)))

    affected, reported = {}, set()   # table name -> its members of `sides`; tables found
    for table in judged_tables(model):
        found, conditions = [], []
        for slot in table.slots:
            if slot.name in members:
                affected.setdefault(table.name, []).append(slot.name)
                lines = [table.location.line, slot.location.line, defined.get(slot.callback, 0)]
                if here := wrong(lines):
                    found.append(slot.name)
                    conditions += here
        if found:
            reported.add(table.name)
            yield Hit(table.location, table.name, {
                "members": pmcore.dotted(found),
                "guards": pmcore.listed(f"'{c}'" for c in dict.fromkeys(conditions))})
    for drv in model.drivers:
        for slot in drv.slots:
            if (slot.callback in affected and slot.callback not in reported
                    and slot.name.rpartition(".")[2] == "pm"):
                if here := wrong([drv.location.line, slot.location.line]):
                    yield Hit(drv.location, drv.name, {
                        "members": pmcore.dotted(affected[slot.callback]),
                        "guards": pmcore.listed(f"'{c}'" for c in here)})
