"""The rule catalogue: one TOML file per rule in rules/, read at run time.

A rule's ID, name, severity, message, match and documentation live in one
place; --list-rules, explain, the engine and every formatter read them here.
"""
from __future__ import annotations

import dataclasses
import string
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

SEVERITIES = ("error", "warning", "note")
# bug: the PM core's contract is broken; modernisation: the code works, but
# is written the way pm.h no longer recommends.
CATEGORIES = ("bug", "modernisation")


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    summary: str
    message: str
    match: dict = field(hash=False, compare=False)
    what: str = ""
    why: str = ""
    example: str = ""
    use_instead: str = ""
    references: tuple[str, ...] = ()
    # Off unless selected by ID or prefix: for rules whose cost a default run
    # should not pay (PM204 and PM205 parse a file in up to three configurations).
    opt_in: bool = False
    # A rule that no longer runs: what replaced it and why. Its ID is never
    # given to another rule; explain still answers for it.
    retired: str = ""
    category: str = "bug"
    # One finding per table: a finding of this rule on a table that the
    # report also has a finding of one of the rules `folds_into` names on
    # becomes a note of that finding, the first named there
    # (filters.one_per_table).
    folds_into: tuple[str, ...] = ()

    def explain(self) -> str:
        """The rule's documentation as Markdown (ruff's layout)."""
        state = "retired" if self.retired else self.severity + (", opt-in" if self.opt_in else "")
        parts = [f"# {self.id} {self.name} ({state})", ""]
        if self.retired:
            parts += ["## Retired", self.retired.strip(), ""]
        parts += ["## What it does", self.what.strip(), "",
                 "## Why is this bad?", self.why.strip(), ""]
        if self.example:
            parts += ["## Example", "```c", self.example.strip("\n"), "```", ""]
        if self.use_instead:
            parts += ["## Use instead", "```c", self.use_instead.strip("\n"), "```", ""]
        if self.references:
            parts += ["## References"] + [f"- {r}" for r in self.references] + [""]
        return "\n".join(parts)


class CatalogueError(Exception):
    pass


def _rule_ids(value, origin: str) -> tuple[str, ...]:
    """A list of rule IDs, as `folds_into` takes it."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogueError(f"{origin}: folds_into must be a list of rule IDs, not {value!r}")
    return tuple(value)


def _load(text: str, origin: str) -> Rule:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{origin}: not valid TOML: {exc}") from None
    docs = data.get("docs", {})
    try:
        rule = Rule(id=data["id"], name=data["name"], severity=data["severity"],
                    summary=data["summary"], message=data["message"],
                    # A retired rule no longer runs: it keeps no check.
                    match=data["match"] if not data.get("retired") else data.get("match", {}),
                    what=docs.get("what", ""), why=docs.get("why", ""),
                    example=docs.get("example", ""), use_instead=docs.get("use_instead", ""),
                    references=tuple(docs.get("references", ())),
                    opt_in=bool(data.get("opt_in", False)), retired=data.get("retired", ""),
                    category=data.get("category", "bug"), folds_into=_rule_ids(data.get("folds_into", []), origin))
    except KeyError as exc:
        raise CatalogueError(f"{origin}: missing key {exc}") from None
    if rule.severity not in SEVERITIES:
        raise CatalogueError(f"{origin}: unknown severity {rule.severity!r}")
    if rule.category not in CATEGORIES:
        raise CatalogueError(f"{origin}: unknown category {rule.category!r}")
    if not rule.retired:
        problem = _unfit(rule)
        if problem:
            raise CatalogueError(f"{origin}: rule {rule.id} ({rule.name}): {problem}")
    return rule


def _unfit(rule: Rule) -> str:
    """What is wrong with a rule's [match] and message for its kind ('' if nothing):
    the kind must exist, its parameters be given (and no others), and each
    placeholder of the message be a field the kind's Hits carry."""
    from pmlint.rules.checks.registry import kinds
    if not isinstance(rule.match, dict):
        return "[match] must be a table"
    if not isinstance(rule.message, str):
        return "message must be a string"
    known = kinds()
    kind = known.get(rule.match.get("kind"))
    if kind is None:
        return (f"match kind {rule.match.get('kind')!r} does not exist (the kinds: "
                f"{', '.join(sorted(known))})")
    given = set(rule.match) - {"kind"}
    if missing := sorted(kind.params - given):
        return f"[match] of kind {kind.name!r} lacks {', '.join(missing)}"
    if unknown := sorted(given - kind.params - kind.optional):
        takes = sorted(kind.params | kind.optional)
        return (f"[match] of kind {kind.name!r} does not take {', '.join(unknown)} "
                f"(it takes: {', '.join(takes) or 'nothing'})")
    try:
        fields = {"symbol", *kind.fields(rule.match)}
    except (KeyError, TypeError, AttributeError) as exc:
        return f"[match] of kind {kind.name!r} is malformed: {type(exc).__name__}: {exc}"
    try:
        names = _placeholders(rule.message)
    except ValueError as exc:
        return f"message is not a valid template: {exc}"
    if unknown := sorted(names - fields):
        return (f"message names {', '.join('{' + n + '}' for n in unknown)}, which kind "
                f"{kind.name!r} does not give (it gives: {', '.join(sorted(fields))})")
    return ""


def _placeholders(template: str) -> set[str]:
    """The field names a str.format template uses; ValueError if it is malformed
    or uses anything but plain names (positions, attributes, indexes)."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"placeholder {{{name}}} is not a field name")
        if conversion not in (None, "r", "s", "a"):
            raise ValueError(f"placeholder {{{name}!{conversion}}} has an unknown conversion")
        names.add(name)
        names |= _placeholders(spec or "")
    return names


def rules() -> tuple[Rule, ...]:
    """Every rule that runs, sorted by ID."""
    return tuple(r for r in everything() if not r.retired)


@lru_cache(maxsize=1)
def everything() -> tuple[Rule, ...]:
    """Every rule, the retired ones too, sorted by ID."""
    found = []
    for entry in resources.files("pmlint.rules").iterdir():
        if entry.name.endswith(".toml"):
            found.append(_load(entry.read_text(encoding="utf-8"), str(entry)))
    ids = [r.id for r in found]
    if len(ids) != len(set(ids)):
        raise CatalogueError("duplicate rule IDs in the catalogue")
    for r in found:
        for target in r.folds_into:
            if target not in ids or target == r.id:
                raise CatalogueError(f"{r.id}: folds_into {target!r} is no other rule of the catalogue")
    _no_fold_cycle({r.id: r.folds_into for r in found})
    return tuple(sorted(found, key=lambda r: r.id))


def _no_fold_cycle(into: dict[str, tuple[str, ...]]) -> None:
    """A finding folds into another's, never back into its own: a cycle
    would leave no finding to hold the others."""
    done: set[str] = set()

    def visit(rule: str, path: tuple[str, ...]) -> None:
        if rule in path:
            raise CatalogueError("folds_into cycle: " + " -> ".join(path[path.index(rule):] + (rule,)))
        if rule not in done:
            for target in into.get(rule, ()):
                visit(target, path + (rule,))
            done.add(rule)

    for rule in into:
        visit(rule, ())


def by_id() -> dict[str, Rule]:
    return {r.id: r for r in rules()}


def for_kernel(rules, kernel: str) -> list[Rule]:
    """The rules, told the oldest kernel checked (X.Y.Z) where their kind takes it."""
    from pmlint.rules.checks.registry import KINDS
    return [dataclasses.replace(r, match={**r.match, "kernel": kernel})
            if "kernel" in KINDS[r.match["kind"]].optional else r for r in rules]


def with_vocabulary(rules, extra: dict) -> list[Rule]:
    """The rules, with a project's additions to the effect vocabulary in
    their match (so that they reach the checks, and the cache key)."""
    if not extra:
        return list(rules)
    return [dataclasses.replace(r, match={**r.match, "vocabulary": extra}) for r in rules]
