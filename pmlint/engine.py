"""Evaluate the catalogue's rules over a file model, producing Findings."""
from __future__ import annotations

from collections.abc import Iterable

from pmlint.catalogue import Rule
from pmlint import effect_checks  # noqa: F401  (registers its match kinds)
from pmlint.checks import CHECKS, READS
from pmlint.model import FileModel, Finding


def body_roots(model: FileModel, rules: Iterable[Rule]) -> set[str]:
    """The callbacks whose bodies the rules' checks read in this model."""
    roots: set[str] = set()
    for rule in rules:
        reads = READS.get(rule.match["kind"])
        if reads is not None:
            roots.update(reads(model, rule.match))
    return roots


def evaluate(model: FileModel, rules: Iterable[Rule]) -> list[Finding]:
    findings = []
    for rule in rules:
        check = CHECKS[rule.match["kind"]]
        for hit in check(model, rule.match):
            message = rule.message.format(symbol=hit.symbol, **hit.fields)
            findings.append(Finding(hit.location.path, hit.location.line, hit.location.column,
                                    rule.id, hit.severity or rule.severity, hit.symbol, message,
                                    notes=hit.notes, items=hit.items))
    return sorted(findings)
