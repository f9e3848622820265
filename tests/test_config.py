"""Project configuration, baselines, inline suppression, --exit-zero."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from expectations import FIXTURES
from lintrun import pmlint


def run(cwd, *args):
    return pmlint(*args, cwd=cwd)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "drivers" / "legacy").mkdir(parents=True)
    shutil.copy(FIXTURES / "PM101_fires.c", tmp_path / "drivers" / "a.c")
    shutil.copy(FIXTURES / "PM103_fires.c", tmp_path / "drivers" / "legacy" / "b.c")
    return tmp_path


def rules_reported(out) -> set[str]:
    return {f["rule"] for f in json.loads(out.stdout)["findings"]}


def test_pyproject_select_ignore_severity_per_file_and_exclude(tree):
    (tree / "pyproject.toml").write_text(
        '[tool.pmlint]\nselect = ["PM1"]\nignore = ["PM102"]\n'
        'severity = { PM101 = "warning" }\n'
        'per-file-ignores = { "drivers/legacy/*.c" = ["PM103"] }\n')
    out = run(tree, "--format", "json", "drivers")
    doc = json.loads(out.stdout)
    assert {(f["rule"], f["severity"]) for f in doc["findings"]} == {("PM101", "warning")}
    (tree / "pyproject.toml").write_text('[tool.pmlint]\nexclude = ["drivers/a.c"]\n')
    assert rules_reported(run(tree, "--format", "json", "drivers")) == {"PM103"}


def test_dot_pmlint_toml_found_walking_up(tree):
    (tree / ".pmlint.toml").write_text('ignore = ["PM101"]\n')
    assert "PM101" not in rules_reported(run(tree / "drivers", "--format", "json", "."))


@pytest.mark.parametrize("text, named", [
    ('[tool.pmlint]\nselct = ["PM1"]\n', "selct"),
    ('[tool.pmlint]\nselect = ["PM999"]\n', "PM999"),
    ('[tool.pmlint]\nselect = "PM1"\n', "select"),
    ('[tool.pmlint]\nseverity = { PM101 = "fatal" }\n', "fatal"),
    ('[tool.pmlint\n', "not valid TOML"),
    ('[tool.pmlint]\nvary-options = "no"\n', "vary-options must be true or false"),
    ('[tool.pmlint]\nvary-options = 0\n', "vary-options must be true or false"),
])
def test_bad_configuration_exits_2_naming_the_problem(tree, text, named):
    (tree / "pyproject.toml").write_text(text)
    out = run(tree, "drivers")
    assert out.returncode == 2 and named in out.stderr and out.stdout == ""


OWN_OPTION = """\
#ifdef CONFIG_FOO_PM
static int foo_freeze(struct device *dev) { free_irq(1, dev); return 0; }
static int foo_restore(struct device *dev) { return request_irq(1, 0, 0, "foo", dev); }
static const struct dev_pm_ops foo_pm_ops = {
\t.freeze = foo_freeze,
\t.restore = foo_restore,
};
#endif
"""


@pytest.mark.parametrize("configured, flag, varied", [
    (None, None, True), ("false", None, False), ("true", None, True),
    ("false", "--vary-options", True), ("true", "--no-vary-options", False),
])
def test_vary_options_in_the_configuration_the_command_line_wins(tmp_path, configured, flag,
                                                                 varied):
    (tmp_path / "foo.c").write_text(OWN_OPTION)
    if configured:
        (tmp_path / ".pmlint.toml").write_text(f"vary-options = {configured}\n")
    out = run(tmp_path, "--format", "json", "--select", "PM101", *([flag] if flag else []), "foo.c")
    assert rules_reported(out) == ({"PM101"} if varied else set()), out.stderr


def test_baseline_survives_line_moves_and_reports_new_findings(tree):
    assert run(tree, "--write-baseline", "base.json", "drivers").returncode == 0
    assert run(tree, "--baseline", "base.json", "drivers").returncode == 0
    src = tree / "drivers" / "a.c"
    text = src.read_text()
    src.write_text("/* moved */\n\n\n" + text + "\nstatic const struct dev_pm_ops new_ops = "
                   "{ .freeze = foo_freeze, .thaw = foo_freeze };\n")
    out = run(tree, "--baseline", "base.json", "drivers")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    heads = [line for line in lines if ": note: " not in line]
    assert {line.split("'")[1] for line in heads} == {"new_ops"}  # PM102, PM302
    # The PM102's evidence: foo_freeze's calls, at their lines after the move.
    assert [line for line in lines if ": note: " in line] == [
        "drivers/a.c:28:2: note: foo_freeze() calls napi_disable(): NAPI polling left down",
        "drivers/a.c:29:2: note: foo_freeze() calls netif_device_detach(): "
        "the network device (detached) left down",
        "drivers/a.c:30:2: note: foo_freeze() calls free_irq(): the interrupt handler left down"]


def test_bad_baseline_exits_2(tree):
    (tree / "base.json").write_text("{not json")
    out = run(tree, "--baseline", "base.json", "drivers")
    assert out.returncode == 2 and "base.json" in out.stderr


def test_inline_suppression(tree):
    src = tree / "drivers" / "a.c"
    # foo_pm_ops' expectation (the first PM101) becomes a suppression.
    text, n = re.subn(r"\{ /\* expect: PM101:.*?\*/", "{ /* pmlint: ignore PM101 */", src.read_text(), count=1)
    assert n == 1 and "foo_pm_ops = { /* pmlint: ignore PM101 */" in text
    src.write_text(text)
    out = run(tree, "--format", "json", "drivers/a.c")
    names = {f["symbol"] for f in json.loads(out.stdout)["findings"]}
    assert names == {"bar_pm_ops", "baz_pm_ops", "qux_pm_ops", "quux_pm_ops", "corge_pm_ops",
                     "grault_pm_ops"}


def test_exit_zero(tree):
    out = run(tree, "--exit-zero", "drivers")
    assert out.returncode == 0 and "[PM101]" in out.stdout
