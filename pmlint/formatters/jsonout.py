"""One JSON object with findings, tables, errors and the run's summary counts;
sorted, no timestamps."""
from __future__ import annotations

import json

from pmlint.report import Report


def render(report: Report) -> str:
    doc = {
        "findings": [{"rule": f.rule, "severity": f.severity, "path": f.path, "line": f.line,
                      "column": f.column, "symbol": f.symbol, "message": f.message,
                      **({"origin": f.origin} if f.origin else {}),
                      **({"notes": [{"path": n.path, "line": n.line, "column": n.column,
                                     "message": n.message} for n in f.notes]} if f.notes else {}),
                      **({"items": list(f.items)} if f.items else {})}
                     for f in report.findings],
        "tables": [{"path": t.location.path, "name": t.name, "line": t.location.line,
                    "const": t.const, "static": t.static, "exported": t.exported,
                    "defined_by": t.defined_by,
                    "slots": {s.name: s.callback for s in t.slots}}
                   for t in report.tables if t.defined],
        "errors": report.errors,
        "summary": report.counts(),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
