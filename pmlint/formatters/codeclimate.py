"""GitLab Code Quality (a subset of the Code Climate issue format).

GitLab matches issues between pipelines by fingerprint, so it is the
finding's line-independent one; severities map to GitLab's scale.
"""
from __future__ import annotations

import json

from pmlint.catalogue import everything
from pmlint.report import Report

SEVERITY = {"error": "major", "warning": "minor", "note": "info"}
CATEGORY = {"bug": "Bug Risk", "modernisation": "Style"}


def render(report: Report) -> str:
    category = {r.id: CATEGORY[r.category] for r in everything()}
    issues = [{
        "type": "issue",
        "check_name": f.rule,
        "description": f.message,
        "content": {"body": "\n".join(f"- {n.path}:{n.line}: {n.message}" for n in f.notes)} if f.notes else None,
        "categories": [category.get(f.rule, "Bug Risk")],
        "fingerprint": f.fingerprint,
        "severity": SEVERITY[f.severity],
        "location": {"path": f.path, "lines": {"begin": f.line}},
    } for f in report.findings]
    issues = [{k: v for k, v in i.items() if v is not None} for i in issues]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
