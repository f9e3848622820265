"""Read the inline expectations of a fixture (see fixtures/README.md)."""
from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_EXPECT = re.compile(r"/\*\s*expect:\s*([A-Za-z0-9,= ]+?)\s*\*/")
_EVIDENCE = re.compile(r"/\*\s*evidence:\s*([A-Z0-9, ]+?)\s*\*/")
_SLOTS = re.compile(r"/\*\s*slots:\s*(.*?)\s*\*/")


def _marked(path: Path, pattern: re.Pattern) -> list[tuple[int, str]]:
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        for m in pattern.finditer(line):
            out += [(lineno, item.strip()) for item in m.group(1).split(",") if item.strip()]
    return sorted(out)


def expected_findings(path: Path) -> list[tuple[int, str]]:
    """(line, rule) of each `expect:`; `PM101=note` also gives the severity."""
    return sorted((line, item.partition("=")[0]) for line, item in _marked(path, _EXPECT))


def expected_severities(path: Path) -> dict[tuple[int, str], str]:
    """(line, rule) -> severity, where an `expect:` names one (PM101=note)."""
    return {(line, rule): sev for line, item in _marked(path, _EXPECT)
            for rule, _, sev in [item.partition("=")] if sev}


def expected_evidence(path: Path) -> list[tuple[int, str]]:
    """(line, rule) of each `evidence:`: a note of that rule's finding points at the line."""
    return _marked(path, _EVIDENCE)


def expected_slots(path: Path) -> dict[int, dict[str, str]]:
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        m = _SLOTS.search(line)
        if m:
            out[lineno] = dict(item.split("=", 1) for item in m.group(1).split())
    return out


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.c"))
