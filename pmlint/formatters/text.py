"""GCC-style diagnostics: path:line:col: severity: message [ID]."""
from __future__ import annotations

from pmlint.report import Report


def render(report: Report) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.severity}: {f.message} [{f.rule}]"
             for f in report.findings]
    return "".join(line + "\n" for line in lines)
