"""A self-contained HTML report (jinja2): summary, save/restore matrices, findings.

Everything is inline and every piece of text from the analysed sources goes
through jinja2's autoescaping; a Content-Security-Policy allows only the
report's own style and script, pinned by their hashes.
"""
from __future__ import annotations

import base64
import hashlib
from collections import Counter
from importlib import resources

import jinja2

from pmlint import __version__, catalogue
from pmlint.kernel import pmcore
from pmlint.report import Report

CONTEXT_LINES = 3

# Matrix columns: the Xen save/restore sequence, then the other sides.
MATRIX_GROUPS = (
    ("freeze (PMSG_FREEZE)", [pmcore.SIDES["freeze"][i] for i in pmcore.DOWN]),
    ("thaw: checkpoint cancelled", [pmcore.SIDES["thaw"][i] for i in pmcore.UP]),
    ("restore: snapshot restored", [pmcore.SIDES["restore"][i] for i in pmcore.UP]),
    ("poweroff (hibernation)", [pmcore.SIDES["poweroff"][i] for i in pmcore.DOWN]),
    ("suspend", [pmcore.SIDES["suspend"][i] for i in pmcore.DOWN]),
    ("resume", [pmcore.SIDES["resume"][i] for i in pmcore.UP]),
)

# A member is a broken pair when it is missing but its partner is set (no
# pairing for poweroff: restore never sees what it left, see PM104).
_PARTNERS = {}
for _down, _ups in (("freeze", ("thaw", "restore")), ("suspend", ("resume",))):
    for _up in _ups:
        for _d, _u in zip(pmcore.SIDES[_down], pmcore.SIDES[_up]):
            _PARTNERS.setdefault(_u, []).append(_d)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _snippet(lines, line: int) -> list[tuple[int, str, bool]]:
    if not lines:
        return []
    lo, hi = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    return [(n, lines[n - 1].expandtabs(8), n == line) for n in range(lo, hi + 1)]


def _line(lines, line: int) -> str:
    return lines[line - 1].expandtabs(8).strip() if lines and 0 < line <= len(lines) else ""


def _matrix_row(table) -> list[tuple[str, str]]:
    have = table.slot_map
    cells = []
    for _, members in MATRIX_GROUPS:
        for m in members:
            if m in have:
                cells.append((have[m], "set"))
            elif any(p in have for p in _PARTNERS.get(m, ())):
                cells.append(("missing", "broken"))
            else:
                cells.append(("", "empty"))
    return cells


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (resources.files("pmlint") / "templates" / name)
                                     .read_text(encoding="utf-8")),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render(report: Report) -> str:
    env = _environment()
    rules = catalogue.by_id()
    style = (resources.files("pmlint") / "templates" / "report.css").read_text(encoding="utf-8")
    script = (resources.files("pmlint") / "templates" / "report.js").read_text(encoding="utf-8")
    flagged = {(f.path, f.symbol) for f in report.findings}
    tables = [{"table": t, "cells": _matrix_row(t), "flagged": (t.location.path, t.name) in flagged}
              for t in report.tables if t.defined]
    findings = [{"f": f, "rule": rules.get(f.rule), "snippet": _snippet(report.sources.get(f.path), f.line),
                 "notes": [(n, _line(report.sources.get(n.path), n.line)) for n in f.notes]}
                for f in report.findings]
    return env.get_template("report.html.j2").render(
        version=__version__, report=report, findings=findings, tables=tables,
        groups=MATRIX_GROUPS, rules=rules,
        by_severity=sorted(Counter(f.severity for f in report.findings).items()),
        by_rule=sorted(Counter(f.rule for f in report.findings).items()),
        files_with_findings=sorted({f.path for f in report.findings}),
        style=style, script=script,
        csp=f"default-src 'none'; style-src {_csp_hash(style)}; script-src {_csp_hash(script)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")
