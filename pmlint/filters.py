"""Decide which rules run and which findings are kept."""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from pmlint.catalogue import Rule
from pmlint.config import Config
from pmlint.model import Finding, Note


def _longest(rule_id: str, patterns: Iterable[str]) -> int | None:
    lengths = [len(p) for p in patterns if rule_id.startswith(p)]
    return max(lengths) if lengths else None


def selected_rules(rules: Iterable[Rule], select: list[str], ignore: list[str]) -> list[Rule]:
    """--select / --ignore take IDs or prefixes ("PM1", "PM101"); the more specific wins.

    PM000 runs unless ignored by its full ID: an unanalysed file is never a
    silent pass. An opt-in rule runs only when a --select pattern names it.
    """
    chosen = []
    for rule in rules:
        if rule.id == "PM000":
            if "PM000" not in ignore:
                chosen.append(rule)
            continue
        sel = _longest(rule.id, select) if select else (None if rule.opt_in else 0)
        ign = _longest(rule.id, ignore)
        if sel is not None and (ign is None or sel > ign):
            chosen.append(rule)
    return chosen


def split_patterns(values: list[str] | None) -> list[str]:
    out = []
    for v in values or ():
        out += [p.strip().upper() for p in v.split(",") if p.strip()]
    return out


def unknown_patterns(patterns: Iterable[str], rules: Iterable[Rule]) -> list[str]:
    ids = [r.id for r in rules]
    return [p for p in patterns if not any(i.startswith(p) for i in ids)]


# /* pmlint: ignore */ or /* pmlint: ignore PM101, PM103 */ on the reported
# line or the line above it.
_INLINE = re.compile(r"pmlint:\s*ignore\b([A-Z0-9,\s]*)")


def inline_suppressed(finding: Finding, lines: Sequence[str]) -> bool:
    for n in (finding.line, finding.line - 1):
        if 0 < n <= len(lines):
            m = _INLINE.search(lines[n - 1])
            if m:
                ids = [i for i in re.split(r"[\s,]+", m.group(1)) if i]
                if not ids or any(finding.rule.startswith(i) for i in ids):
                    return True
    return False


def apply_config(findings: Iterable[Finding], config: Config) -> list[Finding]:
    """Per-file ignores and severity overrides from the project configuration."""
    out = []
    for f in findings:
        if config.ignored_here(f.path, f.rule):
            continue
        if f.rule in config.severity:
            f = dataclasses.replace(f, severity=config.severity[f.rule])
        out.append(f)
    return out


_STRENGTH = {"error": 0, "warning": 1, "note": 2}


def one_per_table(findings: Iterable[Finding], rules: Iterable[Rule]) -> list[Finding]:
    """Each finding of a rule that folds into others (Rule.folds_into) on a
    table that also has a finding of one of them (the first it names; that
    one's own host where it folds too), as notes of that finding: one line
    saying what the folded finding says, then its evidence. Run last, after
    every filter, so that a finding suppressed or ignored there leaves the
    other as it is, and baselines and patch mode see both."""
    into = {r.id: r.folds_into for r in rules if r.folds_into}
    findings = list(findings)
    at = {(f.path, f.symbol, f.rule): i for i, f in enumerate(findings)}

    def host(i: int) -> int:
        """The finding `i` ends up a note of, itself where it folds into none
        (or, should rules fold into each other in a circle, which the
        catalogue refuses, where the walk comes back)."""
        walk = [i]
        while True:
            f = findings[walk[-1]]
            j = next((at[k] for target in (into.get(f.rule, ()) if f.symbol else ())
                      if (k := (f.path, f.symbol, target)) in at), None)
            if j is None:
                return walk[-1]
            if j in walk:
                return i
            walk.append(j)

    folded: dict[int, list[Finding]] = {}
    for i in range(len(findings)):
        h = host(i)
        if h != i:
            folded.setdefault(h, []).append(findings[i])
    out = []
    for i, f in enumerate(findings):
        if host(i) != i:
            continue
        extra = folded.get(i, ())
        if extra:
            notes = list(f.notes)
            for g in extra:
                notes.append(Note(g.path, g.line, g.column, f"{g.message} [{g.rule}]"))
                notes += [n for n in g.notes if n not in notes]
            f = dataclasses.replace(
                f, notes=tuple(notes), items=tuple(dict.fromkeys(f.items + tuple(
                    item for g in extra for item in g.items))),
                severity=min([f.severity] + [g.severity for g in extra], key=_STRENGTH.__getitem__))
        out.append(f)
    return out
