"""The result cache, through the command line: what it may reuse and what it must not.

PMLINT_TEST_CRASH makes a worker crash on a file it is given: a run that
sets it and still reports the file normally took the file's result from the
cache.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from expectations import FIXTURES
import lintrun

HEADER_USER = """\
#include "slots.h"
static int foo_freeze(struct device *dev) { free_irq(1, dev); return 0; }
static int foo_thaw(struct device *dev) { return request_irq(1, 0, 0, "foo", dev); }
static int foo_restore(struct device *dev) { return request_irq(1, 0, 0, "foo", dev); }
static const struct dev_pm_ops foo_pm_ops = {
	.freeze = foo_freeze,
	.restore = foo_restore,
	THAW_SLOT
};
"""


def pmlint(tree, cache, *args, crash=None):
    cache_args = ["--no-cache"] if cache is None else ["--cache-dir", cache]
    return lintrun.pmlint("--format", "json", *cache_args, *args, tree,
                          env={"PMLINT_TEST_CRASH": crash} if crash else None)


def findings(out) -> list[tuple[str, str]]:
    assert out.returncode in (0, 1), out.stderr
    return [(os.path.basename(f["path"]), f["rule"]) for f in json.loads(out.stdout)["findings"]]


def entries(cache) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in cache.rglob("*") if p.is_file()}


@pytest.fixture
def tree(tmp_path):
    tree = tmp_path / "drivers"
    tree.mkdir()
    for name in ("PM101_fires.c", "PM102_fires.c", "PM101_clean.c"):
        shutil.copy(FIXTURES / name, tree / name)
    (tree / "plain.c").write_text("int nothing_about_pm;\n")
    return tree


def test_a_second_run_reuses_every_result_and_prints_the_same(tree, tmp_path):
    cache = tmp_path / "cache"
    first = pmlint(tree, cache, "--html", tmp_path / "first.html")
    assert len(entries(cache)) == 3            # candidates only: plain.c is never parsed
    again = pmlint(tree, cache, "--html", tmp_path / "again.html", crash=".c")
    assert again.stdout == first.stdout and again.returncode == first.returncode == 1
    html = [re.sub(r"[\d.]+ s<", "", (tmp_path / n).read_text()) for n in ("first.html", "again.html")]
    assert html[0] == html[1]                  # the same but for the time taken
    assert again.stdout == pmlint(tree, None).stdout


def test_a_changed_file_is_analysed_again(tree, tmp_path):
    cache = tmp_path / "cache"
    pmlint(tree, cache)
    shutil.copy(FIXTURES / "PM101_clean.c", tree / "PM101_fires.c")
    out = pmlint(tree, cache, crash="PM102")      # the unchanged files come from the cache
    assert ("PM101_fires.c", "PM101") not in findings(out)
    assert ("PM102_fires.c", "PM102") in findings(out)


def test_a_changed_or_new_local_header_invalidates(tmp_path):
    cache, tree = tmp_path / "cache", tmp_path / "drv"
    (tree / "sub").mkdir(parents=True)
    (tree / "foo.c").write_text(HEADER_USER)
    (tree / "slots.h").write_text('#include "sub/more.h"\n')
    (tree / "sub" / "more.h").write_text("#define THAW_SLOT .thaw = foo_thaw,\n")
    # Every file but foo.c is named, so the headers themselves are not analysed.
    run = lambda: findings(pmlint(tree / "foo.c", cache, "--select", "PM101"))
    assert run() == []
    (tree / "sub" / "more.h").write_text("#define THAW_SLOT\n")     # included through slots.h
    assert run() == [("foo.c", "PM101")]
    (tree / "sub" / "more.h").write_text('#include "thaw.h"\n')     # a header not there yet
    assert run() == [("foo.c", "PM101")]
    (tree / "sub" / "thaw.h").write_text("#define THAW_SLOT .thaw = foo_thaw,\n")
    assert run() == []


def test_a_changed_file_of_the_module_invalidates_pm111(tmp_path):
    """PM111 follows probe into the other files of the module: what they say
    is part of the result, and only the table's file is analysed here."""
    cache, tree = tmp_path / "cache", tmp_path / "fwdrv"
    shutil.copytree(FIXTURES / "modules" / "fwdrv", tree)
    run = lambda: findings(pmlint(tree / "fwspi.c", cache, "--select", "PM111"))
    assert run() == [("fwspi.c", "PM111")]
    fwio = (tree / "fwio.c").read_text()
    (tree / "fwio.c").write_text(fwio.replace("request_firmware(", "fwcore_read_header("))
    assert run() == []
    (tree / "fwio.c").write_text(fwio)
    assert run() == [("fwspi.c", "PM111")]
    makefile = (tree / "Makefile").read_text()
    (tree / "Makefile").write_text(makefile.replace("fwcore-y := core.o fwio.o", "fwcore-y := core.o"))
    assert run() == []                 # fwio.o left the module: its function does not link


def test_a_changed_kconfig_or_makefile_invalidates_pm205(tmp_path):
    """PM205 compares a file with CONFIG_PM off only if the tree may build it
    so: what the Makefile and Kconfig say is in the key of its result."""
    cache, tree = tmp_path / "cache", tmp_path / "linux"
    (tree / "scripts" / "kconfig").mkdir(parents=True)
    (tree / "Kconfig").write_text('source "drivers/Kconfig"\n')
    drivers = tree / "drivers"
    drivers.mkdir()
    (drivers / "Makefile").write_text("obj-$(CONFIG_FOO) += foo.o\n")
    kconfig = drivers / "Kconfig"
    kconfig.write_text('config FOO\n\ttristate "foo"\n\tdepends on OF && PM\n')
    (drivers / "foo.c").write_text(
        "static int a(struct device *d) { return 0; }\n"
        "static const struct dev_pm_ops t = { SET_RUNTIME_PM_OPS(a, a, NULL) };\n")
    run = lambda **kw: findings(pmlint(drivers / "foo.c", cache, "--select", "PM205", **kw))  # noqa: E731
    assert run() == []                     # FOO depends on PM: never built without it
    assert run(crash="foo.c") == []        # from the cache
    kconfig.write_text('config FOO\n\ttristate "foo"\n\tdepends on OF\n')
    assert run() == [("foo.c", "PM205")]
    assert run(crash="foo.c") == [("foo.c", "PM205")]
    (drivers / "Makefile").write_text("obj-$(CONFIG_PM) += foo.o\n")
    assert run() == []
    # Without PM204/205 selected the tree is not read, and does not matter.
    assert findings(pmlint(drivers / "foo.c", cache, "--select", "PM201")) == [("foo.c", "PM201")]


VARIED = """\
#ifdef CONFIG_FOO_A
#ifndef CONFIG_FOO_B
static int foo_freeze(struct device *dev) { free_irq(1, dev); return 0; }
static int foo_restore(struct device *dev) { return request_irq(1, 0, 0, "foo", dev); }
static const struct dev_pm_ops foo_pm_ops = {
	.freeze = foo_freeze,
	.restore = foo_restore,
};
#endif
#endif
"""


def kernel_tree(tmp_path, kconfig: str, makefile: str, source: str):
    """A kernel tree (as pmlint.kernel.buildneeds knows one) with drivers/foo.c."""
    tree = tmp_path / "linux"
    (tree / "scripts" / "kconfig").mkdir(parents=True)
    (tree / "Kconfig").write_text('source "drivers/Kconfig"\n')
    drivers = tree / "drivers"
    drivers.mkdir()
    (drivers / "Makefile").write_text(makefile)
    (drivers / "Kconfig").write_text(kconfig)
    (drivers / "foo.c").write_text(source)
    return drivers


def test_the_kconfig_of_an_option_varied_both_ways_is_part_of_the_result(tmp_path):
    """With FOO_A depending on FOO_B, no build has FOO_A=y and FOO_B=n, the
    only setting the table is in: the entry is trusted while the tree says so."""
    entry = 'config FOO_A\n\tbool "a"\n\tdepends on FOO && FOO_B\n'
    rest = 'config FOO\n\ttristate "foo"\n\nconfig FOO_B\n\tbool "b"\n'
    drivers = kernel_tree(tmp_path, entry + rest, "obj-$(CONFIG_FOO) += foo.o\n", VARIED)
    cache, kconfig = tmp_path / "cache", drivers / "Kconfig"
    run = lambda **kw: findings(pmlint(drivers / "foo.c", cache, "--select", "PM101", **kw))  # noqa: E731
    assert run() == []
    assert run(crash="foo.c") == []                       # from the cache
    kconfig.write_text(entry.replace(" && FOO_B", "") + rest)
    assert run() == [("foo.c", "PM101")]                  # analysed again: FOO_B=n is buildable
    kconfig.write_text(entry.replace(" && FOO_B", "") + rest + 'config BAR\n\tbool "bar"\n')
    assert run(crash="foo.c") == [("foo.c", "PM101")]     # another entry: still from the cache
    (drivers / "Makefile").write_text("obj-$(CONFIG_FOO_B) += foo.o\n")
    assert run() == []                                    # the Makefile line now needs FOO_B


def forged(path: str, payload: bytes) -> bytes:
    """An entry whose header is right for its payload: only the payload is wrong."""
    key = os.path.basename(os.path.dirname(path)) + os.path.basename(path)
    digest = hashlib.sha256(payload).hexdigest()
    return f"pmlint-cache 1 {key} {digest} {len(payload)}\n".encode() + payload


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage", "not-a-model",
                                    "foreign-type", "foreign-tree"])
def test_a_damaged_entry_is_ignored_and_rewritten(tree, tmp_path, damage):
    cache = tmp_path / "cache"
    expected = pmlint(tree, cache).stdout
    good = entries(cache)
    for path, data in good.items():
        assert forged(path, data.split(b"\n", 1)[1]) == data   # forged() writes real headers
        bad = {"truncate": lambda: data[:len(data) // 2], "empty": lambda: b"",
               "flip": lambda: data[:-20] + bytes([data[-20] ^ 1]) + data[-19:],
               "garbage": lambda: data.split(b"\n")[0] + b"\n{\"model\": 1}",
               "not-a-model": lambda: forged(path, b'{"model": 1, "findings": [], "lines": false, '
                                                   b'"tree": []}'),
               "foreign-tree": lambda: forged(path, re.sub(
                   rb'"tree":\[.*\]\}$', b'"tree":[["a","b",{"c":1}]]}', data.split(b"\n", 1)[1])),
               "foreign-type": lambda: forged(path, b'{"model": {"@": "Popen", "args": "true"}, '
                                                    b'"findings": [], "lines": false, "tree": []}'),
               }[damage]()
        assert bad != data
        with open(path, "wb") as f:
            f.write(bad)
    assert pmlint(tree, cache).stdout == expected
    assert entries(cache) == good


def test_no_cache_reads_and_writes_nothing(tree, tmp_path):
    cache = tmp_path / "cache"
    pmlint(tree, cache)
    before = entries(cache)
    out = lintrun.pmlint("--no-cache", "--cache-dir", cache, tree, env={"PMLINT_TEST_CRASH": "PM102"})
    assert "the parser crashed" in out.stdout           # parsed, not taken from the cache
    assert entries(cache) == before
    default = os.environ["PMLINT_CACHE_DIR"]
    pmlint(tree, None)
    assert not os.path.exists(default) or not os.listdir(default)


def test_a_crash_is_not_cached(tree, tmp_path):
    cache = tmp_path / "cache"
    crashed = pmlint(tree, cache, crash="PM102")
    assert ("PM102_fires.c", "PM000") in findings(crashed)
    retried = findings(pmlint(tree, cache))
    assert ("PM102_fires.c", "PM000") not in retried and ("PM102_fires.c", "PM102") in retried


def test_two_runs_at_once_share_a_cache(tree, tmp_path):
    cache = tmp_path / "cache"
    for i in range(8):     # enough files that the two runs overlap
        shutil.copy(FIXTURES / "PM103_fires.c", tree / f"copy{i}.c")
    expected = pmlint(tree, None).stdout
    cmd = [sys.executable, "-m", "pmlint", "--format", "json", "--cache-dir", str(cache), str(tree)]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=tempfile.gettempdir()) for _ in range(2)]
    outs = [r.communicate() for r in runs]
    assert [r.returncode for r in runs] == [1, 1], [err for _, err in outs]
    assert [out for out, _ in outs] == [expected, expected]
    assert pmlint(tree, cache, crash=".c").stdout == expected
    assert not [p for p in cache.rglob("*.pmlint-tmp")]


def test_the_code_digest_reads_every_layer_and_the_rules_checks():
    """A change anywhere in pmlint (or in the rules' checks, beside the
    package in a checkout) makes every cached result stale."""
    from pmlint.pipeline.cache import code_files
    files = [p.as_posix() for p in code_files()]
    for wanted in ("frontend/extract.py", "kernel/kconfiglang.py", "text/ctext.py", "pipeline/cache.py",
                   "data/effects.toml", "include/pmlint_prelude.h", "pmlint/engine.py",
                   "rules/checks/behaviour.py", "rules/checks/registers.py", "rules/PM101.toml"):
        assert any(f.endswith("/" + wanted) for f in files), wanted
