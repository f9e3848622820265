"""Evaluate the catalogue's rules over a file model, producing Findings.

A rule is evaluated on its own: an exception raised by its check (or by
what says which bodies the check reads) is that rule's failure, a bug in
pmlint reported against the rule and the file, and the other rules still
run. It is never the file's fault, so it never becomes a PM000.
"""
from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pmlint.text import bodytext
from pmlint.catalogue import Rule
from pmlint.rules.checks.registry import KINDS, kinds
from pmlint.model import FileModel, Finding

kinds()   # every kind registered


@dataclass(frozen=True)
class RuleFailure:
    """A rule that could not judge a file: pmlint's bug, not the file's."""

    path: str
    rule: str
    message: str


class RuleError(Exception):
    """evaluate()'s way of saying a rule failed."""


def _failure(model: FileModel, rule: Rule, exc: Exception) -> RuleFailure:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return RuleFailure(model.path, rule.id, (
        f"rule {rule.id} ({rule.name}, match kind {rule.match.get('kind')!r}) failed on this "
        f"file: {type(exc).__name__}: {exc} (at {os.path.basename(where.filename)}:{where.lineno}"
        f" in {where.name}); this is a bug in pmlint, and the other rules ran"))


def body_roots(model: FileModel, rules: Iterable[Rule],
               failures: list[RuleFailure] | None = None, linked: bool = False) -> set[str]:
    """The callbacks whose bodies the rules' checks read in this model (with
    `linked`, those whose calls they follow into other files); a rule whose
    `reads` fails goes to `failures` (or raises without it)."""
    roots: set[str] = set()
    for rule in rules:
        kind = KINDS[rule.match["kind"]]
        reads = kind.linked if linked else kind.reads
        if reads is None:
            continue
        try:
            roots.update(reads(model, rule.match))
        except Exception as exc:   # noqa: BLE001  (any bug of a check is the rule's)
            if failures is None:
                raise
            failures.append(_failure(model, rule, exc))
    return roots


def _findings(model: FileModel, rule: Rule) -> list[Finding]:
    out = []
    for hit in KINDS[rule.match["kind"]].check(model, rule.match):
        message = rule.message.format(symbol=hit.symbol, **hit.fields)
        out.append(Finding(hit.location.path, hit.location.line, hit.location.column,
                           rule.id, hit.severity or rule.severity, hit.symbol, message,
                           notes=hit.notes, items=hit.items))
    return out


def judge(model: FileModel, rules: Iterable[Rule], source: bytes | None = None,
          linker: Callable[[], bodytext.Neighbours | None] | None = None,
          ) -> tuple[FileModel, list[Finding], list[RuleFailure]]:
    """Evaluate each rule on its own. With the file's bytes, the model first
    gets the bodies the rules read (pmlint.text.bodytext), with the macros
    of the local headers the file includes, and, where a rule follows calls
    into the files Kbuild links with this one, those of the functions they
    define, through what `linker` gives (the pipeline's:
    pmlint.kernel.modulelinks; None where the files around this one are not
    the ones to read). A rule that fails gives no findings and a RuleFailure."""
    rules = list(rules)
    failures: list[RuleFailure] = []
    if source is not None:
        neighbours = functools.cache(linker or (lambda: None))   # made once, if at all
        model = bodytext.attach(model, source, body_roots(model, rules, failures),
                                lambda: neighbours().headers(model.path, source) if neighbours() else ())
        # (A rule whose reads fails is already among the failures.)
        linked = body_roots(model, rules, [], linked=True) if linker is not None else set()
        resolve = neighbours() if linked else None
        if resolve is not None:
            model = bodytext.attach_linked(model, linked, resolve)
    failed = {f.rule for f in failures}
    findings: list[Finding] = []
    for rule in rules:
        if rule.id in failed:
            continue
        try:
            findings += _findings(model, rule)
        except Exception as exc:   # noqa: BLE001  (any bug of a check is the rule's)
            failures.append(_failure(model, rule, exc))
    return model, sorted(findings), failures


def evaluate(model: FileModel, rules: Iterable[Rule]) -> list[Finding]:
    """The findings of the rules over a model as it is; RuleError if a rule fails."""
    _, findings, failures = judge(model, rules)
    if failures:
        raise RuleError("; ".join(f.message for f in failures))
    return findings
