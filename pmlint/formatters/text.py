"""GCC-style diagnostics: path:line:col: severity: message [ID]."""
from __future__ import annotations

from pmlint.report import Report

# GCC's colours, used only when the CLI says stdout is a terminal.
_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;35m", "note": "\033[1;36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def render(report: Report) -> str:
    colour = report.format_options.get("color", False)
    out = []
    for f in report.findings:
        where = f"{f.path}:{f.line}:{f.column}:"
        severity = f"{f.severity}:"
        if colour:
            where = f"{_BOLD}{where}{_RESET}"
            severity = f"{_COLOURS.get(f.severity, '')}{severity}{_RESET}"
        origin = f" (introduced by {f.origin})" if f.origin else ""
        out.append(f"{where} {severity} {f.message} [{f.rule}]{origin}\n")
        for n in f.notes:
            where, severity = f"{n.path}:{n.line}:{n.column}:", "note:"
            if colour:
                where, severity = f"{_BOLD}{where}{_RESET}", f"{_COLOURS['note']}{severity}{_RESET}"
            out.append(f"{where} {severity} {n.message}\n")
    return "".join(out)
