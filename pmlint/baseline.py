"""Baselines: accept today's findings, report only new ones.

A finding is recorded by its fingerprint (rule, file, table, and what is
wrong; not the line), so moving code around does not resurface it. The file
is named by its path relative to the project root, so that a baseline
written with `pmlint --write-baseline b.json .` matches whether a later run
is given `drv/a.c` (pre-commit), `/abs/tree/drv/a.c`, or starts in `drv/`.

The project root is the top of the git work tree the first PATH is in (the
nearest folder at or above it holding `.git`; for --patch and --git, above
--tree); outside a work tree, the folder of the configuration file
(.pmlint.toml, pyproject.toml); without one, the current directory.

Format 1 (what earlier versions wrote) held the path as it was spelled. It still
loads: a finding matches it under the usual spellings of its path (as
given, relative to the root or to the current directory, with or without
"./", absolute).
"""
from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

from pmlint.model import Finding
from pmlint.pipeline.outfile import replace_atomically

FORMAT = "pmlint-baseline/2"
FORMAT_1 = "pmlint-baseline/1"   # paths as spelled


class BaselineError(Exception):
    pass


def project_root(start: str, config_source: str = "") -> str:
    """The folder baseline paths are relative to (see the module's docstring)."""
    start = start if start and start != "-" else "."
    folder = os.path.realpath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        if os.path.exists(os.path.join(folder, ".git")):   # a folder, or a worktree's file
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if config_source:
        return os.path.dirname(os.path.realpath(config_source))
    return os.path.realpath(".")


@dataclass(frozen=True)
class Place:
    """Where a run's finding paths are: the project root, and the folder the
    paths are relative to (the current one; --tree in patch mode)."""

    root: str
    base: str = "."

    def relative(self, path: str) -> str:
        if path == "-":
            return path
        folder, name = os.path.split(os.path.join(self.base, path))
        # The folders resolved (a symlinked checkout, getcwd's physical path), not the file.
        full = os.path.join(os.path.realpath(folder or "."), name)
        return os.path.relpath(full, self.root).replace(os.sep, "/")

    def spellings(self, path: str) -> set[str]:
        """Format 1: the paths a finding's file was likely given as."""
        if path == "-":
            return {path}
        out = {path, os.path.abspath(os.path.join(self.base, path))}
        for rel in (self.relative(path), os.path.relpath(os.path.join(self.base, path))):
            out |= {rel, "./" + rel}
        return out


def _digest(finding: Finding, path: str) -> str:
    """The finding's fingerprint with its file named as path."""
    return dataclasses.replace(finding, path=path).fingerprint


@dataclass(frozen=True)
class Baseline:
    fingerprints: frozenset[str]
    format: str = FORMAT

    def holds(self, finding: Finding, place: Place) -> bool:
        if self.format == FORMAT:
            return _digest(finding, place.relative(finding.path)) in self.fingerprints
        return any(_digest(finding, p) in self.fingerprints for p in place.spellings(finding.path))


def write(path: str, findings: Iterable[Finding], place: Place) -> None:
    entries = sorted({(_digest(f, rel), f.rule, rel, f.symbol)
                      for f in findings for rel in [place.relative(f.path)]})
    doc = {"format": FORMAT,
           "findings": [{"fingerprint": fp, "rule": r, "path": p, "symbol": s}
                        for fp, r, p, s in entries]}
    try:
        replace_atomically(path, (json.dumps(doc, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror}") from None


def load(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise BaselineError(f"baseline {path} is nested too deeply to be a baseline") from None
    if not isinstance(doc, dict) or doc.get("format") not in (FORMAT, FORMAT_1) or \
            not isinstance(doc.get("findings"), list) or \
            not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                    for e in doc["findings"]):
        raise BaselineError(f"{path} is not a pmlint baseline (expected format {FORMAT} "
                            f"or {FORMAT_1})")
    return Baseline(frozenset(e["fingerprint"] for e in doc["findings"]), doc["format"])
