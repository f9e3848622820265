"""What a symbol cannot be on without, read from Kconfig as the language has it
(pmlint.kernel.kconfiglang): never a need that some configuration does without."""
from __future__ import annotations

import pytest

from pmlint.kernel import kconfiglang
from pmlint.pipeline import kconfigstore
from pmlint.kernel.kconfiglang import needs


@pytest.mark.parametrize("expression, needed", [
    ("A", {"A"}),
    ("A && B", {"A", "B"}),
    ("A || B", set()),                       # either alone will do
    ("(A && C) || (B && C)", {"C"}),
    ("(ARCH_TEGRA || COMPILE_TEST) && PM", {"PM"}),
    ("!A", set()),                           # tristate: true with A=m
    ("!!A", {"A"}),
    ("!(A || !B)", {"B"}),
    ("PM && !(X && Y)", {"PM"}),
    ("FOO || !FOO", set()),
    ("A = y", {"A"}), ("A = m", {"A"}), ('A != "n"', {"A"}), ("A = n", set()),
    ("!(A = n)", {"A"}), ("!(A != y)", {"A"}), ("A = B", set()), ("A < 5 && B", {"B"}),
    ("$(cc-option,-fno-foo) && PM", {"PM"}), ("m && PM", {"PM"}),
    ("A && (", set()), ("A &", set()),       # not parsed: nothing claimed
])
def test_what_an_expression_needs(expression, needed):
    assert needs(expression) == needed


def certain(tmp_path, files: dict[str, str]) -> dict[str, frozenset[str]]:
    for name, text in {"Kconfig": 'source "drivers/Kconfig"\n', **files}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return kconfiglang.Tree(str(tmp_path), kconfigstore.Reading(str(tmp_path))).certain()


def test_blocks_around_an_entry_and_around_its_source(tmp_path):
    found = certain(tmp_path, {
        "drivers/Kconfig": 'menu "Drivers"\n\tdepends on HAS_IOMEM\n\n'
                           'if PM || COMPILE_TEST\nconfig A\n\tbool "a"\nendif\n'
                           'if NET\nsource "drivers/net/Kconfig"\nendif\n'
                           'choice\n\tprompt "mode"\n\tdepends on B\nconfig C1\n\tbool "c1"\nendchoice\n'
                           'endmenu\nconfig OUT\n\tbool "out"\n\tdepends on D\n',
        "drivers/net/Kconfig": 'if ETHERNET\nconfig E\n\ttristate "e"\n\tdepends on PCI\nendif\n'})
    assert found == {"A": {"HAS_IOMEM"}, "E": {"HAS_IOMEM", "NET", "ETHERNET", "PCI"},
                     "C1": {"HAS_IOMEM", "B"}, "OUT": {"D"}}


def test_help_texts_comments_and_continuations_are_not_statements(tmp_path):
    found = certain(tmp_path, {"drivers/Kconfig": (
        'config A\n\tbool "a # not a comment"\n\thelp\n\t  if you say Y here\n\n'
        '\t  choice of words\n\tdepends on B && \\\n\t\tC # a comment\n'
        'if-success = $(shell,true)\nconfig D\n\tbool "d"\n\tdepends on E\n')})
    assert found == {"A": {"B", "C"}, "D": {"E"}}


def test_a_select_is_a_need_and_a_way_around_dependencies(tmp_path):
    found = certain(tmp_path, {"drivers/Kconfig": (
        'config A\n\ttristate "a"\n\tdepends on PM\n\tselect HELPER\n\tselect OTHER if OF\n'
        'config HELPER\n\ttristate\n\tdepends on BUS\n\tselect LIB\n'
        'config ODD\n\tbool "odd"\n\tselect HELPER\n'
        'config B\n\tbool "b"\n\tdepends on BUS && PM\n\tselect HELPER2\n'
        'config HELPER2\n\ttristate\n\tdepends on BUS\n\tselect LIB\n')})
    # A selects HELPER whatever BUS is: then HELPER's own select does not fire.
    assert found["A"] == {"PM", "HELPER"}
    assert "HELPER" not in found                  # ODD selects it, needing nothing
    # B meets HELPER2's dependencies: HELPER2's select holds either way.
    assert found["B"] == {"BUS", "PM", "HELPER2", "LIB"} and found["HELPER2"] == {"BUS", "LIB"}


def test_what_every_declaration_needs(tmp_path):
    found = certain(tmp_path, {"drivers/Kconfig": (
        'config A\n\tbool\n\tdepends on X && Y\nconfig A\n\tbool "a"\n\tdepends on X\n')})
    assert found == {"A": {"X"}}
