"""A crash or hang in the native parser costs one file, never the run."""
from __future__ import annotations

import os
import shutil

from expectations import FIXTURES
from lintrun import pmlint


def run(*args, env=None):
    return pmlint(*args, cwd=os.path.dirname(str(args[-1])), env=env)


def _tree(tmp_path, name):
    shutil.copy(FIXTURES / "PM101_fires.c", tmp_path / "a_good.c")
    shutil.copy(FIXTURES / "PM102_fires.c", tmp_path / f"b_{name}.c")
    shutil.copy(FIXTURES / "PM103_fires.c", tmp_path / "c_good.c")
    return tmp_path


def test_a_worker_that_segfaults_becomes_pm000_and_the_rest_finish(tmp_path):
    tree = _tree(tmp_path, "crashme")
    out = run("-j", "2", tree, env={"PMLINT_TEST_CRASH": "crashme"})
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert any("b_crashme.c:1:1: error: could not analyse: the parser crashed (SIGSEGV)" in l
               for l in lines)
    assert any("a_good.c" in l and "[PM101]" in l for l in lines)
    assert any("c_good.c" in l and "[PM103]" in l for l in lines)
    assert "Traceback" not in out.stderr


def test_a_hanging_file_times_out(tmp_path):
    # The limit applies to the good files too: it must be far above what they
    # take on a loaded machine (a fresh worker's first parse included), or
    # they time out as well. The hanging file waits it out once.
    tree = _tree(tmp_path, "hangme")
    out = run("-j", "1", "--timeout", "10", tree, env={"PMLINT_TEST_HANG": "hangme"})
    assert out.returncode == 1
    assert "b_hangme.c:1:1: error: could not analyse: analysis timed out after 10 s" in out.stdout
    assert "[PM103]" in out.stdout


def test_output_does_not_depend_on_job_count_order_or_locale(tmp_path):
    tree = _tree(tmp_path, "x")
    base = run("-j", "1", "--format", "json", tree).stdout
    assert run("-j", "2", "--format", "json", tree, env={"LC_ALL": "C"}).stdout == base
    reversed_args = [tree / n for n in ("c_good.c", "b_x.c", "a_good.c")]
    files_first = run("-j", "2", "--format", "json", *reversed_args).stdout
    assert files_first == base
