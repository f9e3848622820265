"""Every effect class of the shipped vocabulary has its fixtures.

For each class of pmlint/data/effects.toml: a `_fires` fixture in which a
left-down rule (PM101, PM102) names it in a note ("...: the clocks left
down"), and a `_clean` fixture whose way back (thaw, restore or .complete)
makes one of its up calls. A class the bus undoes is never reported: it
needs a `_clean` fixture whose freeze side takes it down instead. Adding a
class without fixtures fails here (docs/effects.md, "Fixtures").
"""
from __future__ import annotations

import re
from functools import lru_cache

import pytest

from expectations import fixture_files
from pmlint import catalogue
from pmlint.kernel import effects, pmcore
from pmlint.text import bodytext
from pmlint.engine import evaluate
from pmlint.frontend import ParseOptions
from pmlint.pipeline.runner import analyse_file

VOCAB = effects.vocabulary()
LEFT_DOWN = {r.id for r in catalogue.rules() if r.match.get("kind") == "left-down"}
BACK = pmcore.members("thaw") + pmcore.members("restore") + ("complete",)


def _files(kind: str):
    return [p for p in fixture_files() if re.match(rf"PM\d+_{kind}", p.name)]


@lru_cache(maxsize=None)
def _model(path):
    """The model with the bodies of all the file's functions (what the rules
    read of it, and the ways back this test looks at besides)."""
    model = analyse_file(str(path), ParseOptions()).model
    return bodytext.attach(model, path.read_bytes(), [f.name for f in model.functions])


@lru_cache(maxsize=1)
def _named_left_down() -> tuple[str, ...]:
    """The notes of the left-down findings of the firing fixtures."""
    return tuple(n.message for p in _files("fires")
                 for f in evaluate(_model(p), catalogue.rules()) if f.rule in LEFT_DOWN
                 for n in f.notes)


def _classes_in_clean(members, kind: str, role: str) -> set[str]:
    """The classes that a callback in `members` of a clean fixture's tables
    affects in direction `kind` (down or up)."""
    out = set()
    for p in _files("clean"):
        model = _model(p)
        for table in model.tables:
            for member in members:
                slot = table.slot(member)
                if slot is None:
                    continue
                found = effects.of_callback(model, slot.callback, slot.location, VOCAB, role)
                out |= {e.cls.name for e in found.effects if e.kind == kind}
    return out


@lru_cache(maxsize=1)
def _brought_back() -> frozenset[str]:
    return frozenset(_classes_in_clean(BACK, "up", "up"))


@lru_cache(maxsize=1)
def _taken_down() -> frozenset[str]:
    return frozenset(_classes_in_clean(pmcore.members("freeze"), "down", "down"))


CLASSES = {c.name: c for c in VOCAB.classes}


def test_the_left_down_rules_and_classes_are_there():
    assert LEFT_DOWN == {"PM101", "PM102"} and len(CLASSES) > 20


@pytest.mark.parametrize("name", CLASSES)
def test_a_firing_fixture_names_the_class(name):
    cls = CLASSES[name]
    if cls.bus:
        assert name in _taken_down(), f"no clean fixture whose freeze side takes down {name}"
    else:
        assert any(f": {cls.what} left down" in note for note in _named_left_down()), (
            f"no _fires fixture with a PM101/PM102 note on {name} ({cls.what})")


@pytest.mark.parametrize("name", CLASSES)
def test_a_clean_fixture_brings_the_class_back(name):
    assert name in _brought_back(), (
        f"no _clean fixture whose thaw, restore or .complete calls one of {sorted(CLASSES[name].up)}")
