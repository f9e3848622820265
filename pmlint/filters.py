"""Decide which rules run and which findings are kept."""
from __future__ import annotations

from collections.abc import Iterable

from pmlint.catalogue import Rule


def _longest(rule_id: str, patterns: Iterable[str]) -> int | None:
    lengths = [len(p) for p in patterns if rule_id.startswith(p)]
    return max(lengths) if lengths else None


def selected_rules(rules: Iterable[Rule], select: list[str], ignore: list[str]) -> list[Rule]:
    """--select / --ignore take IDs or prefixes ("PM1", "PM101"); the more specific wins.

    PM000 runs unless ignored by its full ID: an unanalysed file is never a
    silent pass.
    """
    chosen = []
    for rule in rules:
        if rule.id == "PM000":
            if "PM000" not in ignore:
                chosen.append(rule)
            continue
        sel = _longest(rule.id, select) if select else 0
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
