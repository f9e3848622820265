"""pmlint runs from a checkout as well as installed: rules/ stays at the top
of the checkout and is the subpackage pmlint.rules either way."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from expectations import FIXTURES
from lintrun import pmlint
from pmlint import catalogue

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra) -> dict:
    """This environment without PYTHONPATH, plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **extra}


def _python(*args, cwd, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd, env=_env(**env),
                          capture_output=True, text=True)


def test_the_catalogue_is_the_one_beside_the_package():
    """Installed: pmlint/rules; in a checkout: rules/ next to pmlint/. With
    PMLINT_TEST_CHECKOUT set (the test below), both must be that checkout's."""
    import pmlint
    import pmlint.rules
    package, rules = Path(pmlint.__file__).parent, Path(pmlint.rules.__file__).parent
    assert rules in (package / "rules", package.parent / "rules")
    assert {"PM000", "PM101"} <= {r.id for r in catalogue.rules()}
    if os.environ.get("PMLINT_TEST_CHECKOUT"):
        checkout = Path(os.environ["PMLINT_TEST_CHECKOUT"])
        assert (package, rules) == (checkout / "pmlint", checkout / "rules")


def test_python_m_pytest_from_the_checkout_root():
    out = _python("-m", "pytest", "-q", "-p", "no:cacheprovider",
                  f"tests/test_checkout.py::{test_the_catalogue_is_the_one_beside_the_package.__name__}",
                  cwd=ROOT, PMLINT_TEST_CHECKOUT=str(ROOT))
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_command_from_the_checkout_root_and_with_pythonpath(tmp_path):
    """`python -m pmlint` at the root imports the checkout; so does PYTHONPATH=CHECKOUT
    anywhere. Either gives what the package under test gives."""
    fixture = FIXTURES / "PM101_fires.c"
    expected = pmlint("--no-cache", "--format", "json", fixture)
    assert expected.returncode == 1, expected.stderr
    where = "import pmlint, pmlint.rules; print(pmlint.__file__); print(pmlint.rules.__file__)"
    for cwd, env in ((ROOT, {}), (tmp_path, {"PYTHONPATH": str(ROOT)})):
        imported = _python("-c", where, cwd=cwd, **env)
        assert imported.stdout.split() == [str(ROOT / "pmlint" / "__init__.py"),
                                           str(ROOT / "rules" / "__init__.py")], imported.stderr
        listed = _python("-m", "pmlint", "--list-rules", cwd=cwd, **env)
        assert listed.returncode == 0 and "PM101" in listed.stdout, listed.stderr
        out = _python("-m", "pmlint", "--no-cache", "--format", "json", fixture, cwd=cwd, **env)
        assert (out.returncode, out.stdout) == (expected.returncode, expected.stdout), out.stderr
