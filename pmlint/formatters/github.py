"""GitHub Actions workflow commands: each finding becomes an annotation on the PR.

Escaping follows the runner (actions/toolkit command.ts): it unescapes these
sequences, so a path or message holding them survives the round trip.
"""
from __future__ import annotations

from pmlint.catalogue import by_id
from pmlint.report import Report

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    catalogue = by_id()
    lines = []
    for f in report.findings:
        props = {"file": f.path, "line": f.line, "col": f.column,
                 "title": f"{f.rule} {catalogue[f.rule].name}"}
        joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items())
        text = "\n".join([f.message] + [f"note: {n.path}:{n.line}: {n.message}" for n in f.notes])
        lines.append(f"::{COMMAND[f.severity]} {joined}::{escape_data(text)}\n")
    return "".join(lines)
