"""Kernel versions as an input: --kernel-version, kernel-version in the
configuration, and the prelude's linux/version.h."""
from __future__ import annotations

import pytest

from expectations import FIXTURES
from lintrun import lint
from pmlint.kernel import kversion

VERSIONED = b"""\
#include <linux/version.h>
#include <linux/pm.h>
static int foo_freeze(struct device *dev) { free_irq(1, dev); return 0; }
static int foo_restore(struct device *dev) { return request_irq(1, 0, 0, "foo", dev); }
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 4, 0) && LINUX_VERSION_MAJOR >= 5
static const struct dev_pm_ops foo_pm_ops = {
\t.freeze = foo_freeze,
\t.restore = foo_restore,
};
#endif
"""


def tables(run) -> dict:
    return {t["name"]: t["slots"] for t in run.doc["tables"]}


def test_a_table_under_a_version_check_is_found_by_default(tmp_path):
    (tmp_path / "v.c").write_bytes(VERSIONED)
    run = lint(tmp_path, "--no-cache", "--format", "json", "v.c")
    assert run.code == 1 and tables(run) == {"foo_pm_ops": {"freeze": "foo_freeze",
                                                            "restore": "foo_restore"}}
    old = lint(tmp_path, "--no-cache", "--format", "json", "--kernel-version", "4.19", "v.c")
    assert (old.code, tables(old)) == (0, {})


def test_runtime_members_before_6_6_are_seen_for_5_15_only():
    path = FIXTURES / "flags" / "runtime_before_6_6_fires.c"
    old = lint(None, "--no-cache", "--format", "json", "--kernel-version", "5.15", path)
    new = lint(None, "--no-cache", "--format", "json", path)
    assert "runtime_suspend" in tables(old)["foo_pm_ops"]
    assert "runtime_suspend" not in tables(new)["foo_pm_ops"]
    assert [f["rule"] for f in old.doc["findings"]] == ["PM106"] and new.doc["findings"] == []


@pytest.mark.parametrize("sublevel, seen", [("6.5.255", True), ("6.5.300", None), ("6.6", False)])
def test_the_version_is_exact_to_the_sublevel(sublevel, seen):
    path = FIXTURES / "flags" / "runtime_before_6_6_fires.c"
    run = lint(None, "--no-cache", "--format", "json", "--kernel-version", sublevel, path)
    if seen is None:
        assert run.code == 2
    else:
        assert ("runtime_suspend" in tables(run)["foo_pm_ops"]) is seen


def test_the_configuration_file_names_the_version(tmp_path):
    (tmp_path / "v.c").write_bytes(VERSIONED)
    (tmp_path / ".pmlint.toml").write_text('kernel-version = "4.19"\n')
    assert lint(tmp_path, "--no-cache", "v.c").code == 0
    assert lint(tmp_path, "--no-cache", "--kernel-version", "5.4", "v.c").code == 1   # the command line wins
    (tmp_path / ".pmlint.toml").write_text('kernel-version = "five"\n')
    bad = lint(tmp_path, "--no-cache", "v.c")
    assert bad.code == 2 and "kernel-version: 'five' is not a kernel version" in bad.stderr
    (tmp_path / ".pmlint.toml").write_text('kernel-version = 5.4\n')
    assert lint(tmp_path, "--no-cache", "v.c").code == 2


@pytest.mark.parametrize("value", ["5", "5.x", "v5.4", "1.0", "5.4.0.1", "6.1..5.4", "5.4..", ""])
def test_a_bad_version_is_a_usage_error(tmp_path, value):
    (tmp_path / "v.c").write_bytes(VERSIONED)
    run = lint(tmp_path, "--kernel-version", value, "v.c")
    assert (run.code, run.stdout) == (2, b"")
    assert "argument --kernel-version:" in run.stderr


def test_help_states_the_default():
    text = " ".join(lint(None, "--help").stdout.decode().split())
    assert "--kernel-version" in text and "(default: 6.12, the newest kernel whose pm.h" in text


def test_versions_and_ranges():
    assert kversion.parse("5.4") == ((5, 4, 0), (5, 4, 0))
    assert kversion.parse("5.4..5.16") == ((5, 4, 0), (5, 16, 255))
    assert kversion.parse("5.4.10..6.1.38") == ((5, 4, 10), (6, 1, 38))
    assert kversion.code((6, 12, 0)) == 396288   # as 6.12's include/generated/uapi/linux/version.h
    assert kversion.before((6, 0, 0)) == (5, 19, 255) and kversion.before((5, 17, 0)) == (5, 16, 255)
    assert kversion.span((5, 4, 0), (5, 16, 255)) == "5.4..5.16"


def test_pm201_and_pm203_advise_only_what_the_oldest_kernel_has():
    pm201 = FIXTURES / "PM201_fires.c"
    old = lint(None, "--no-cache", "--format", "json", "--kernel-version", "5.16.20", pm201)
    assert [f for f in old.doc["findings"] if f["rule"] == "PM201"] == []
    assert ("pmlint: note: PM201 is not reported for SIMPLE_DEV_PM_OPS, UNIVERSAL_DEV_PM_OPS, "
            "SET_SYSTEM_SLEEP_PM_OPS") in old.stderr
    new = lint(None, "--no-cache", "--format", "json", "--kernel-version", "5.17", pm201)
    found = [f for f in new.doc["findings"] if f["rule"] == "PM201"]
    assert len(found) == 3 and "note:" not in new.stderr
    assert found[0]["notes"][0]["message"] == (
        "DEFINE_SIMPLE_DEV_PM_OPS (since 5.17) and pm_sleep_ptr (since 5.17): all in pm.h of "
        "5.17, the oldest kernel checked")
    pm203 = FIXTURES / "PM203_fires.c"
    wrapped = {v: [f["message"] for f in lint(None, "--no-cache", "--format", "json", "--select",
                                               "PM203", *v, pm203).doc["findings"]]
               for v in ((), ("--kernel-version", "5.10"), ("--kernel-version", "5.4"))}
    assert len(wrapped[()]) == 3 and wrapped[("--kernel-version", "5.4")] == []
    # 5.10 has pm_ptr() (5.9) but not pm_sleep_ptr() (5.17).
    assert [m for m in wrapped[("--kernel-version", "5.10")]] == [
        m for m in wrapped[()] if "use pm_ptr(" in m]


def test_a_range_is_split_where_the_file_checks_the_version():
    from pmlint.kernel import kranges
    source = (b"#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 10, 0)\n#endif\n"
              b"#if KERNEL_VERSION(5, 15, 0) < LINUX_VERSION_CODE\n#endif\n"
              b"#elif LINUX_VERSION_CODE <= KERNEL_VERSION(6, 1, 255)\n#endif\n"
              b"#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 19, 0)\n#endif\n")   # before the range
    parts = kranges.split(source, (5, 4, 0), (6, 12, 255))
    assert [iv.shown for iv in parts.intervals] == ["5.4..5.9", "5.10..5.15", "5.15.1..6.1",
                                                    "6.2..6.12"]
    assert parts.cut == ()
    assert kranges.split(b"", (5, 4, 0), (6, 12, 255)).intervals == (
        kranges.Interval((5, 4, 0), (6, 12, 255)),)


def test_a_range_beyond_the_bound_says_what_it_did_not_analyse_apart(tmp_path):
    checks = "".join(f"#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, {m}, 0)\n"
                     f"static int foo_{m}(struct device *dev) {{ return 0; }}\n#endif\n"
                     for m in range(5, 16))
    (tmp_path / "many.c").write_bytes(VERSIONED + checks.encode())
    run = lint(tmp_path, "--no-cache", "--format", "json", "--kernel-version", "5.4..6.12", "many.c")
    cut = [f for f in run.doc["findings"] if f["rule"] == "PM001"]
    assert [(f["line"], f["severity"]) for f in cut] == [(32, "note")]
    assert cut[0]["message"] == (
        "'#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0)': 5.4..6.12 has 12 intervals on "
        "which the file's version checks do not change, and pmlint analyses at most 8: kernels "
        "5.11..6.12 were analysed as 5.11, so what changes at 5.12, 5.13, 5.14 and 5.15 was not "
        "seen")


def test_a_range_merges_findings_and_says_where_they_hold(tmp_path):
    (tmp_path / "v.c").write_bytes(VERSIONED)
    run = lint(tmp_path, "--no-cache", "--format", "json", "--select", "PM1", "--kernel-version",
               "4.14..6.12", "v.c")
    assert [f["rule"] for f in run.doc["findings"]] == ["PM101"]
    assert run.doc["findings"][0]["notes"][-1]["message"] == (
        "holds for kernels 5.4..6.12 only, of 4.14..6.12: the file's version checks leave it "
        "out of the others")
    assert run.doc["summary"]["tables"] == 1
    whole = lint(tmp_path, "--no-cache", "--format", "json", "--select", "PM1", "--kernel-version",
                 "5.4..6.12", "v.c")
    assert [n["message"] for n in whole.doc["findings"][0]["notes"]
            if n["message"].startswith("holds for")] == []
    # Cached: the same, and a range is not mistaken for its first version.
    cache = tmp_path / "cache"
    for _ in range(2):
        again = lint(tmp_path, "--cache-dir", cache, "--format", "json", "--select", "PM1",
                     "--kernel-version", "4.14..6.12", "v.c")
        assert again.doc["findings"] == run.doc["findings"]
    assert lint(tmp_path, "--cache-dir", cache, "--kernel-version", "4.14", "v.c").code == 0


def test_the_summary_counts_the_pm001_notes():
    run = lint(None, "--no-cache", FIXTURES / "PM001_fires.c")
    assert run.code == 1
    assert run.stderr.splitlines()[-1] == "pmlint: 1 file checked, 1 table, 4 findings, 0 files not analysed"
    shown = lint(None, "show", "--kernel-version", "5.4..6.12", FIXTURES / "flags" / "range_part_fires.c")
    assert shown.code == 0 and "baz_pm_ops" in shown.stdout.decode()


def test_a_check_against_version_h_numbers_splits_the_range_as_kernel_version_does():
    from pmlint.kernel import kranges
    source = (b"#if LINUX_VERSION_CODE >= 0x051100\n#endif\n"
              b"#if 394240 > LINUX_VERSION_CODE\n#endif\n"        # 6.4.0, mirrored
              b"#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)\n#endif\n"
              b"#if FOO_V5 <= LINUX_VERSION_CODE\n#endif\n"              # a name, not a version
              b"#if LINUX_VERSION_CODE >= 01200000\n#endif\n")           # octal, as C reads it: 5.0.0
    assert kranges.thresholds(source) == {(5, 17, 0): 1, (6, 4, 0): 3, (5, 0, 0): 9}
