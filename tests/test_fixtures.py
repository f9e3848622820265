"""Every fixture yields exactly the findings its comments expect."""
from __future__ import annotations

import re

import pytest

from expectations import assert_matches, expected_findings, expected_slots, fixture_files
from fixture_results import MODULES_FILES, MODULES_TREE, of_fixture, of_modules_tree
from fixture_results import analysed as _analyse
from pmlint import catalogue

FILES = fixture_files()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_findings(path):
    """Each finding and note matches one expectation exactly (rule, line,
    column, severity, message), and each expectation one finding or note."""
    assert_matches(path, of_fixture(path))


@pytest.fixture(scope="module")
def modules_tree():
    return of_modules_tree()


@pytest.mark.parametrize("rel", MODULES_FILES)
def test_module_fixture_findings(rel, modules_tree):
    """fixtures/modules/: each file's findings and the notes that point into it."""
    assert_matches(MODULES_TREE / rel, modules_tree[rel])


def test_a_module_fixture_pins_the_notes_of_another_files_finding(modules_tree):
    assert any(found and all(e.kind == "evidence" for e in found) for found in modules_tree.values())


@pytest.mark.parametrize("path", [p for p in FILES if expected_slots(p)],
                         ids=lambda p: p.name)
def test_fixture_slots(path):
    model = _analyse(path)
    by_line = {t.location.line: t.slot_map for t in model.tables if t.defined}
    by_line.update({d.location.line: {s.name: s.callback for s in d.slots} for d in model.drivers})
    for line, slots in expected_slots(path).items():
        assert by_line.get(line) == slots, f"table or driver object on line {line}"


@pytest.mark.parametrize("rule", [r.id for r in catalogue.rules()])
def test_every_rule_has_firing_and_clean_fixtures(rule):
    fires = [p for p in FILES if p.name.startswith(f"{rule}_fires")]
    clean = [p for p in FILES if p.name.startswith(f"{rule}_clean")]
    assert fires and clean, f"{rule} needs fixtures/{rule}_fires*.c and {rule}_clean*.c"
    assert all(any(r == rule for _, r in expected_findings(p)) for p in fires)
    assert all(not any(r == rule for _, r in expected_findings(p)) for p in clean)


def test_every_pm_h_macro_is_covered():
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in FILES)
    include = catalogue.resources.files("pmlint") / "include"
    prelude = "".join((include / name).read_text()
                      for name in ("pmlint_prelude.h", "pmlint_pm_macros.h"))
    macros = set(re.findall(r"#define ((?:_?[A-Z_]*PM_OPS|PTR_IF|pm_ptr|pm_sleep_ptr))\(", prelude))
    macros -= {"_EXPORT_PM_OPS", "_DISCARD_PM_OPS", "_EXPORT_DEV_PM_OPS", "_EXPORT_DEV_SLEEP_PM_OPS"}
    missing = sorted(m for m in macros if not re.search(rf"\b{m}\(", text))
    assert len(macros) > 30 and not missing  # the headers were read
