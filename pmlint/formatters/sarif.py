"""SARIF 2.1.0 for code-scanning services (GitHub, GitLab, IDE viewers).

No timestamps, no working directory, fixed key order: the same report always
gives the same bytes, so uploads can be diffed and cached.
"""
from __future__ import annotations

import json
import os
from pathlib import PurePath
from urllib.parse import quote

from pmlint import __version__
from pmlint.catalogue import SEVERITIES, rules
from pmlint.report import Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub code scanning rejects or silently drops what goes past these.
MAX_RESULTS = 25_000
MAX_MESSAGE = 1_000


def _text(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def _artifact(path: str) -> dict:
    """Relative paths against the checkout root (%SRCROOT%), absolute ones as file: URIs."""
    if os.path.isabs(path):
        return {"uri": PurePath(path).as_uri()}
    # Percent-encode the name's bytes, as as_uri() does: they need not be UTF-8.
    return {"uri": quote(os.fsencode(PurePath(path).as_posix())), "uriBaseId": "%SRCROOT%"}


def _rule(rule) -> dict:
    doc = rule.explain()
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.what.split()) or rule.summary},
        "help": {"text": doc, "markdown": doc},
        # pmlint's severities are SARIF's level names.
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["power-management", rule.category]},
    }


def _location(path: str, line: int, column: int) -> dict:
    return {"physicalLocation": {"artifactLocation": _artifact(path),
                                 "region": {"startLine": line, "startColumn": column}}}


def _result(finding, index: dict[str, int]) -> dict:
    related = {"relatedLocations": [{"id": i, **_location(n.path, n.line, n.column),
                                     "message": {"text": _text(n.message)}}
                                    for i, n in enumerate(finding.notes)]} if finding.notes else {}
    return {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": finding.severity,
        "message": {"text": _text(finding.message)},
        "locations": [_location(finding.path, finding.line, finding.column)],
        **related,
        "partialFingerprints": {"pmlintFingerprint/v1": finding.fingerprint},
    }


def _notifications(report: Report) -> list[dict]:
    notes = [{"level": "error", "message": {"text": _text(f"{e['path']}: {e['message']}")}}
             for e in report.errors]
    total = len(report.findings)
    if total > MAX_RESULTS:
        notes.append({"level": "warning", "message": {"text": (
            f"{total} results; only the {MAX_RESULTS} most severe are included")}})
    return notes


def render(report: Report) -> str:
    catalogue = rules()
    index = {rule.id: i for i, rule in enumerate(catalogue)}
    findings = report.findings
    if len(findings) > MAX_RESULTS:
        # Keep what matters most (SEVERITIES runs from error down), in the report's order.
        ranked = sorted(range(len(findings)), key=lambda i: SEVERITIES.index(findings[i].severity))
        findings = [findings[i] for i in sorted(ranked[:MAX_RESULTS])]
    run = {
        "tool": {"driver": {"name": "pmlint", "version": __version__,
                            "semanticVersion": __version__,
                            "rules": [_rule(r) for r in catalogue]}},
        "invocations": [{"executionSuccessful": not report.errors,
                         "toolExecutionNotifications": _notifications(report)}],
        "results": [_result(f, index) for f in findings],
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
