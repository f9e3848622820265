"""A rule is a unit: checked against its match kind when the catalogue loads,
and judged on its own, so that a check that raises is that rule's failure."""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pmlint
import pmlint.rules
from expectations import FIXTURES
from pmlint import catalogue
from pmlint.rules.checks import registry
from pmlint.catalogue import CatalogueError
from pmlint.frontend import ParseOptions
from pmlint.pipeline.runner import analyse_file

PM105 = (Path(pmlint.rules.__file__).parent / "PM105.toml").read_text()
# (what to change in PM105.toml, what the error must say)
BROKEN = {
    "wrong kind": ('kind = "driver-member-pair"', 'kind = "driver-member-par"',
                   "match kind 'driver-member-par' does not exist"),
    "missing parameter": ('struct = "xenbus_driver"', "",
                          "[match] of kind 'driver-member-pair' lacks struct"),
    "unknown parameter": ('struct = "xenbus_driver"', 'struct = "xenbus_driver"\nstrcut = "x"',
                          "[match] of kind 'driver-member-pair' does not take strcut"),
    "bad placeholder": ("({callback})", "({calback})",
                        "message names {calback}, which kind 'driver-member-pair' does not give"),
    "malformed template": ("({callback})", "({callback)", "message is not a valid template"),
    "positional placeholder": ("({callback})", "({0})", "placeholder {0} is not a field name"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_rule_fails_at_load_with_its_file_and_id(case):
    old, new, said = BROKEN[case]
    assert old in PM105
    with pytest.raises(CatalogueError) as err:
        catalogue._load(PM105.replace(old, new), "rules/PM105.toml")
    message = str(err.value)
    assert message.startswith("rules/PM105.toml: rule PM105 (xenbus-suspend-without-resume): ")
    assert said in message


def test_every_shipped_rule_fits_its_kind():
    for rule in catalogue.rules():
        assert catalogue._unfit(rule) == "", rule.id


def test_every_parameter_a_shipped_rule_gives_is_declared_by_its_kind():
    kinds = registry.kinds()
    used = {}
    for rule in catalogue.rules():
        used.setdefault(rule.match["kind"], set()).update(set(rule.match) - {"kind"})
    for name, kind in kinds.items():
        assert used.get(name, set()) <= kind.params | kind.optional, name


def _copy_of_pmlint(tmp_path: Path, rule: str, edit) -> Path:
    """pmlint laid out as a checkout (pmlint/, rules/) with rules/RULE.toml edited."""
    package, rules = Path(pmlint.__file__).parent, Path(pmlint.rules.__file__).parent
    ignore = shutil.ignore_patterns("__pycache__", "rules")
    shutil.copytree(package, tmp_path / "pmlint", ignore=ignore)
    shutil.copytree(rules, tmp_path / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    toml = tmp_path / "rules" / f"{rule}.toml"
    toml.write_text(edit(toml.read_text()))
    return tmp_path


def _run_copy(copy: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pmlint", *map(str, args)], cwd=copy.parent,
                          env={"PYTHONPATH": str(copy), "PMLINT_CACHE_DIR": str(copy / "cache"),
                               "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)


@pytest.mark.parametrize("case", ["wrong kind", "missing parameter", "bad placeholder"])
def test_the_command_line_says_which_rule_is_broken_and_exits_2(case, tmp_path):
    old, new, said = BROKEN[case]
    copy = _copy_of_pmlint(tmp_path / "pmlint-copy", "PM105", lambda text: text.replace(old, new))
    out = _run_copy(copy, "--format", "json", FIXTURES / "PM101_fires.c")
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert f"pmlint: error: rule catalogue: {copy / 'rules' / 'PM105.toml'}: rule PM105 " in out.stderr
    assert said in out.stderr


def test_a_check_that_raises_is_the_rules_failure_and_the_other_rules_run(monkeypatch):
    def broken(model, match):
        raise KeyError("no-such-key")
        yield

    kind = registry.KINDS["driver-members"]
    monkeypatch.setitem(registry.KINDS, "driver-members", dataclasses.replace(kind, check=broken))
    path = str(FIXTURES / "PM101_fires.c")   # with a platform driver: the check runs
    result = analyse_file(path, ParseOptions(), catalogue.rules())
    (failure,) = result.failures
    assert (failure.path, failure.rule) == (path, "PM303")
    assert failure.message.startswith("rule PM303 (legacy-bus-pm-callbacks, match kind "
                                      "'driver-members') failed on this file: KeyError: 'no-such-key'")
    assert "PM000" not in {f.rule for f in result.findings}
    assert "PM101" in {f.rule for f in result.findings}, "the other rules ran"


def test_a_check_that_raises_is_reported_by_the_command_line_against_the_rule(tmp_path):
    """A parameter of the wrong type (a number for a list) passes the load and
    breaks the check, in a worker process: the run says which rule and file,
    reports the rest, and exits 2; the file does not get a PM000."""
    copy = _copy_of_pmlint(tmp_path / "pmlint-copy", "PM303",
                           lambda text: text.replace('members = ["suspend", "resume"]', "members = 5"))
    fixture = FIXTURES / "PM303_fires.c"
    out = _run_copy(copy, "--format", "json", "-j", "1", fixture, FIXTURES / "PM101_fires.c")
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert (f"pmlint: error: {fixture}: rule PM303 (legacy-bus-pm-callbacks, match kind "
            "'driver-members') failed on this file: TypeError:") in out.stderr
    doc = json.loads(out.stdout)
    rules = {(Path(f["path"]).name, f["rule"]) for f in doc["findings"]}
    assert ("PM101_fires.c", "PM101") in rules
    assert not {r for r in rules if r[1] in ("PM000", "PM303")}
    assert str(fixture) in [e["path"] for e in doc["errors"]]


def test_folds_into_is_a_list_of_rule_ids():
    with pytest.raises(CatalogueError) as err:
        catalogue._load(PM105.replace('name = "', 'folds_into = "PM101"\nname = "', 1), "rules/PM105.toml")
    assert "folds_into must be a list of rule IDs" in str(err.value)


def test_rules_folding_into_each_other_in_a_circle_are_refused():
    with pytest.raises(CatalogueError) as err:
        catalogue._no_fold_cycle({"PM101": ("PM112",), "PM112": ("PM110",), "PM110": ("PM101",)})
    assert "folds_into cycle: PM101 -> PM112 -> PM110 -> PM101" in str(err.value)
    catalogue._no_fold_cycle({"PM112": ("PM110", "PM101"), "PM110": ("PM101",)})
