"""Read the inline expectations of a fixture (see fixtures/README.md)."""
from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_EXPECT = re.compile(r"/\*\s*expect:\s*([A-Z0-9, ]+?)\s*\*/")
_SLOTS = re.compile(r"/\*\s*slots:\s*(.*?)\s*\*/")


def expected_findings(path: Path) -> list[tuple[int, str]]:
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        for m in _EXPECT.finditer(line):
            out += [(lineno, rule.strip()) for rule in m.group(1).split(",") if rule.strip()]
    return sorted(out)


def expected_slots(path: Path) -> dict[int, dict[str, str]]:
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        m = _SLOTS.search(line)
        if m:
            out[lineno] = dict(item.split("=", 1) for item in m.group(1).split())
    return out


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.c"))
