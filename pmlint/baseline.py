"""Baselines: accept today's findings, report only new ones.

A finding is recorded by its fingerprint (rule, file, table, and what is
wrong; not the line), so moving code around does not resurface it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable

from pmlint.model import Finding

FORMAT = "pmlint-baseline/1"


class BaselineError(Exception):
    pass


def write(path: str, findings: Iterable[Finding]) -> None:
    entries = sorted({(f.fingerprint, f.rule, f.path, f.symbol) for f in findings})
    doc = {"format": FORMAT,
           "findings": [{"fingerprint": fp, "rule": r, "path": p, "symbol": s}
                        for fp, r, p, s in entries]}
    tmp = f"{path}.pmlint-tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):  # e.g. PATH is a directory: leave nothing behind
            os.unlink(tmp)
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror}") from None


def load(path: str) -> frozenset[str]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise BaselineError(f"baseline {path} is nested too deeply to be a baseline") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or \
            not isinstance(doc.get("findings"), list) or \
            not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                    for e in doc["findings"]):
        raise BaselineError(f"{path} is not a pmlint baseline (expected format {FORMAT})")
    return frozenset(e["fingerprint"] for e in doc["findings"])
