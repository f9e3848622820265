"""GitLab Code Quality (a subset of the Code Climate issue format).

GitLab matches issues between pipelines by fingerprint, so it is the
finding's line-independent one; severities map to GitLab's scale.
"""
from __future__ import annotations

import json

from pmlint.report import Report

SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def render(report: Report) -> str:
    issues = [{
        "type": "issue",
        "check_name": f.rule,
        "description": f.message,
        "categories": ["Bug Risk"],
        "fingerprint": f.fingerprint,
        "severity": SEVERITY[f.severity],
        "location": {"path": f.path, "lines": {"begin": f.line}},
    } for f in report.findings]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
