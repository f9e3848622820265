"""Every input gets an answer: a correct analysis, or PM000 saying why.

Each case runs the real command line in a subprocess, from a temporary
folder, next to a good driver (good.c, one PM101) that must still be
analysed: one bad file never takes the run down. Exit status: 0 clean,
1 findings (PM000 included), 2 a path that cannot be used. No case may end
in a Python traceback (lintrun.lint checks stderr).
"""
from __future__ import annotations

import ctypes
import os
import random
import stat
import subprocess
import time

import pytest

from lintrun import DRIVER, DRIVER_PM101_LINE, lint

GOOD = ("good.c", DRIVER_PM101_LINE, "PM101")
RULES = ("--select", "PM000,PM101")   # the rules these cases are about


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PMLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def check(tmp_path, *paths, **kwargs):
    """pmlint --format json over good.c and PATHS, in tmp_path."""
    (tmp_path / "good.c").write_bytes(DRIVER)
    return lint(tmp_path, "--format", "json", *RULES, "good.c", *paths, **kwargs)


def driver_with(prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    return prefix + DRIVER + suffix


def test_binary_file(tmp_path):
    rng = random.Random(1)
    (tmp_path / "elf.c").write_bytes(b"\x7fELF\x02\x01\x01\0" + rng.randbytes(4096) + b"dev_pm_ops")
    # Binary without a NUL byte reaches the parser: it sees no table, only breakage.
    noise = bytes(rng.randrange(1, 256) for _ in range(4096))
    (tmp_path / "noise.c").write_bytes(noise + b"struct dev_pm_ops x = {" + noise)
    run = check(tmp_path, "elf.c", "noise.c")
    assert run.code == 1
    assert run.reasons("elf.c") == ["could not analyse: binary file (contains NUL bytes)"]
    assert all("may not be analysed" in r for r in run.reasons("noise.c"))
    assert GOOD in run.found()


def test_non_utf8_and_mixed_encodings(tmp_path):
    latin1 = "/* Copyright (C) 2024 Jürgen Müller, Société Générale */\n".encode("latin-1")
    mixed = b'static const char *who = "caf\xc3\xa9 \xe9t\xe9 \xff\xfe \xc3";\n'
    (tmp_path / "enc.c").write_bytes(driver_with(latin1 + mixed))
    run = check(tmp_path, "enc.c")
    assert run.code == 1
    assert sorted(run.found()) == sorted([GOOD, ("enc.c", DRIVER_PM101_LINE + 2, "PM101")])
    # The report shows the source: undecodable bytes become U+FFFD, the output stays UTF-8.
    shown = lint(tmp_path, "--format", "checkpatch", *RULES, "enc.c").stdout.decode("utf-8")
    assert "+static const struct dev_pm_ops foo_pm_ops = {" in shown


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_crlf_line_endings(tmp_path, newline):
    (tmp_path / "dos.c").write_bytes(DRIVER.replace(b"\n", newline))
    run = check(tmp_path, "dos.c")
    assert run.code == 1
    assert sorted(run.found()) == sorted([GOOD, ("dos.c", DRIVER_PM101_LINE, "PM101")])
    shown = lint(tmp_path, "--format", "checkpatch", *RULES, "dos.c").stdout.decode("utf-8")
    assert "+static const struct dev_pm_ops foo_pm_ops = {\n" in shown


def test_nul_in_the_middle_of_a_c_file(tmp_path):
    half = len(DRIVER) // 2
    (tmp_path / "nul.c").write_bytes(DRIVER[:half] + b"\0" + DRIVER[half:])
    run = check(tmp_path, "nul.c")
    assert run.code == 1
    assert run.reasons("nul.c") == ["could not analyse: binary file (contains NUL bytes)"]
    assert GOOD in run.found()


def test_50_mb_generated_file(tmp_path):
    # Like the generated register headers of amdgpu (the largest file of Linux
    # 6.12 is 24 MB): thousands of #defines, with a table after every 600.
    defines = "".join(f"#define mmREG_{{0}}_{i:03d}__FIELD_MASK 0x{i:08x}L\n" for i in range(600))
    # Each freeze frees its IRQ: what makes a missing .thaw a PM101 (only PM000 and
    # PM101 run here, so .restore needs no real undo).
    table = ("static int f{0}_freeze(struct device *d) {{ free_irq(1, d); return 0; }}\n"
             "static const struct dev_pm_ops t{0}_ops = {{ .freeze = f{0}_freeze,"
             " .restore = f{0}_freeze }};\n")
    parts, size, lines, expected = ["#include <linux/pm.h>\n"], 0, 1, []
    while size < 50 << 20:
        part = defines.format(len(expected)) + table.format(len(expected))
        lines += 602
        expected.append(("big.c", lines, "PM101"))
        parts.append(part)
        size += len(part)
    (tmp_path / "big.c").write_text("".join(parts))
    start = time.monotonic()
    run = check(tmp_path, "big.c")
    seconds = time.monotonic() - start
    print(f"50 MB file, {len(expected)} tables: {seconds:.1f} s")
    assert run.code == 1 and GOOD in run.found()
    # About 12 s on an idle 2-CPU machine; on a loaded one it may reach the
    # time limit (60 s), and then it must say so.
    if run.reasons("big.c"):
        assert run.reasons("big.c") == ["could not analyse: analysis timed out after 60 s"]
    else:
        assert sorted(run.found()) == sorted([GOOD, *expected])
    assert seconds < 120


def test_20000_line_macro(tmp_path):
    body = "".join(f"\t/* line {i} of the macro */ \\\n" for i in range(20_000))
    text = ("#define BIG_PM_OPS(name, cb) \\\n" + body
            + "\tstatic const struct dev_pm_ops name = { .freeze = cb, .restore = cb, }\n"
            + "static int big_freeze(struct device *dev) { free_irq(1, dev); return 0; }\n"
            + "BIG_PM_OPS(big_pm_ops, big_freeze);\n")
    (tmp_path / "macro.c").write_bytes(text.encode() + DRIVER)
    run = check(tmp_path, "macro.c")
    assert run.code == 1
    assert sorted(run.found()) == sorted([GOOD, ("macro.c", 20_004, "PM101"),
                                          ("macro.c", 20_004 + DRIVER_PM101_LINE, "PM101")])


def test_deeply_nested_initializers(tmp_path):
    # 200 parentheses around a callback: within clang's limit, analysed as usual.
    parens = b"static const struct dev_pm_ops deep_ops = { .freeze = %s };\n" % (
        b"(" * 200 + b"foo_freeze" + b")" * 200)
    (tmp_path / "parens.c").write_bytes(driver_with(suffix=parens))
    # 500 levels of braces: past clang's bracket depth (256), which then skips text.
    braces = b"static int nested[1] = %s;\n" % (b"{" * 500 + b"0" + b"}" * 500)
    (tmp_path / "braces.c").write_bytes(driver_with(suffix=braces))
    # 20,000 unary operators: libclang's parser overflows its stack (SIGSEGV).
    stars = b"static const struct dev_pm_ops star_ops = { .freeze = %s };\n" % (
        b"*" * 20_000 + b"foo_freeze")
    (tmp_path / "stars.c").write_bytes(driver_with(suffix=stars))
    run = check(tmp_path, "parens.c", "braces.c", "stars.c")
    assert run.code == 1
    last = DRIVER.count(b"\n") + 1
    found = run.found()
    assert ("parens.c", DRIVER_PM101_LINE, "PM101") in found and ("parens.c", last, "PM101") in found
    assert ("braces.c", DRIVER_PM101_LINE, "PM101") in found
    assert run.reasons("braces.c") == [
        "could not analyse: bracket nesting level exceeded maximum of 256; "
        "the code after it may not be analysed"]
    assert run.reasons("stars.c") == ["could not analyse: the parser crashed (SIGSEGV) on this file"]
    assert GOOD in found


UNTERMINATED = {
    # name: (text added before DRIVER, after it, [(line, reason start)], tables still found)
    "comment-at-end": (b"", b"/* never closed\nstatic int x;\n",
                       [(11, "unterminated /* comment")], True),
    "comment-before-the-table": (b"/* never closed\n", b"",
                                 [(1, "unterminated /* comment")], False),
    "string-before-the-table": (b'static const char *s = "never closed;\n', b"",
                                [(1, 'missing terminating " character')], False),
    "char-before-the-table": (b"static char c = 'x;\n", b"",
                              [(1, "missing terminating ' character")], False),
}


@pytest.mark.parametrize("case", UNTERMINATED, ids=list(UNTERMINATED))
def test_unterminated_comment_and_string(tmp_path, case):
    before, after, reasons, table_found = UNTERMINATED[case]
    (tmp_path / "bad.c").write_bytes(before + DRIVER + after)
    run = check(tmp_path, "bad.c")
    assert run.code == 1 and GOOD in run.found()
    pm000 = [(f["line"], f["message"]) for f in run.doc["findings"]
             if f["path"] == "bad.c" and f["rule"] == "PM000"]
    assert [(line, message.split(": ", 1)[1].split(";")[0]) for line, message in pm000] == reasons
    offset = DRIVER_PM101_LINE + before.count(b"\n")
    assert (("bad.c", offset, "PM101") in run.found()) == table_found


def test_unterminated_string_inside_a_table(tmp_path):
    broken = DRIVER.replace(b"\t.restore = foo_restore,", b'\t.restore = "foo_restore,')
    (tmp_path / "bad.c").write_bytes(broken)
    run = check(tmp_path, "bad.c")
    assert run.code == 1 and GOOD in run.found()
    assert run.reasons("bad.c") == [
        "could not analyse: the initializer of 'foo_pm_ops' could not be parsed",
        "could not analyse: missing terminating \" character; the code after it may not be analysed"]


def test_include_loop_between_local_headers(tmp_path):
    (tmp_path / "a.h").write_text('#include "b.h"\nstruct foo_priv;\n')
    (tmp_path / "b.h").write_text('#include "a.h"\n#include "b.h"\n')
    (tmp_path / "loop.c").write_bytes(driver_with(b'#include "a.h"\n'))
    run = check(tmp_path, "loop.c")
    assert run.code == 1
    assert sorted(run.found()) == sorted([GOOD, ("loop.c", DRIVER_PM101_LINE + 1, "PM101")])


def test_symlink_loops_in_a_tree(tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "drv.c").write_bytes(DRIVER)
    (tree / "sub" / "up").symlink_to("..")               # a directory loop: not followed
    (tree / "self.c").symlink_to("self.c")
    (tree / "ping.c").symlink_to("pong.c")
    (tree / "pong.c").symlink_to("ping.c")
    (tree / "gone.c").symlink_to("nowhere.c")
    run = check(tmp_path, "tree")
    assert run.code == 1
    loop = ["could not analyse: cannot read file: Too many levels of symbolic links"]
    for name in ("self.c", "ping.c", "pong.c"):
        assert run.reasons(f"tree/{name}") == loop
    assert run.reasons("tree/gone.c") == ["could not analyse: cannot read file: No such file or directory"]
    assert sorted(p for p, _, rule in run.found() if rule == "PM101") == ["good.c", "tree/sub/drv.c"]


def _drop_dac_capabilities() -> None:
    """preexec_fn: root reads through chmod 000 unless the program it starts lacks
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (dropped from the bounding set)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):   # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0):   # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def no_read_access(tmp_path):
    """Keyword arguments for lint() to run as someone chmod 000 keeps out; skip where
    that cannot be arranged (root without the capability to drop capabilities)."""
    preexec = _drop_dac_capabilities if os.geteuid() == 0 else None
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        blocked = subprocess.run(["cat", str(probe)], capture_output=True,
                                 preexec_fn=preexec).returncode != 0
    except subprocess.SubprocessError:   # preexec_fn failed: prctl is not allowed here
        blocked = False
    finally:
        probe.unlink()
    if not blocked:
        pytest.skip("chmod 000 does not keep this user out (root that cannot drop CAP_DAC_OVERRIDE)")
    return {"preexec_fn": preexec}


def test_unreadable_file(tmp_path, no_read_access):
    (tmp_path / "secret.c").write_bytes(DRIVER)
    (tmp_path / "secret.c").chmod(0)
    run = check(tmp_path, "secret.c", **no_read_access)
    assert run.code == 1
    assert run.reasons("secret.c") == ["could not analyse: cannot read file: Permission denied"]
    assert GOOD in run.found()


def test_unreadable_directory(tmp_path, no_read_access):
    locked = tmp_path / "tree" / "locked"
    locked.mkdir(parents=True)
    (locked / "drv.c").write_bytes(DRIVER)
    (tmp_path / "tree" / "open.c").write_bytes(DRIVER)
    locked.chmod(0)
    try:
        run = check(tmp_path, "tree", **no_read_access)
    finally:
        locked.chmod(stat.S_IRWXU)
    # Part of the tree could not be checked: an error (2), like a missing path; the rest is analysed.
    assert run.code == 2
    assert "pmlint: error: tree/locked: cannot read directory: Permission denied" in run.stderr
    assert sorted(run.found()) == sorted([GOOD, ("tree/open.c", DRIVER_PM101_LINE, "PM101")])


NAMES = ["with space/ü dir/drïver one.c", "日本語.c", os.fsdecode(b"latin1-\xe9\xff.c")]
SHOWN_NAMES = ["with space/ü dir/drïver one.c", "日本語.c", "latin1-\ufffd\ufffd.c"]
SARIF_NAMES = ["with%20space/%C3%BC%20dir/dr%C3%AFver%20one.c", "%E6%97%A5%E6%9C%AC%E8%AA%9E.c",
               "latin1-%E9%FF.c"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "checkpatch", "codeclimate"])
def test_paths_with_spaces_and_non_ascii_names(tmp_path, fmt):
    for name in NAMES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(DRIVER)
    args = (f"--format={fmt}", *RULES, "--html", "report.html", ".")
    run = lint(tmp_path, *args)
    assert run.code == 1
    out = run.stdout.decode("utf-8")   # whatever the names, the output is UTF-8
    # A name that is not UTF-8 shows its other bytes as U+FFFD (SARIF: as %XX).
    for name in SARIF_NAMES if fmt == "sarif" else SHOWN_NAMES:
        assert name in out
    if fmt == "json":
        assert [rule for _, _, rule in run.found()] == ["PM101"] * 3
    html = (tmp_path / "report.html").read_bytes().decode("utf-8")
    assert "drïver one.c" in html and "latin1-\ufffd\ufffd.c" in html
    # The bytes written do not depend on the locale's encoding either.
    latin1_terminal = lint(tmp_path, *args, env={"PYTHONIOENCODING": "latin-1"})
    assert latin1_terminal.stdout == run.stdout


def test_empty_file(tmp_path):
    (tmp_path / "empty.c").write_bytes(b"")
    alone = lint(tmp_path, *RULES, "empty.c")
    assert (alone.code, alone.stdout, alone.stderr) == (
        0, b"", "pmlint: 1 file checked, 0 tables, 0 findings, 0 files not analysed\n")
    run = check(tmp_path, "empty.c")
    assert run.code == 1 and run.found() == [GOOD]


def test_stdin(tmp_path):
    run = check(tmp_path, "-", stdin=DRIVER)
    assert run.code == 1
    assert sorted(run.found()) == sorted([GOOD, ("-", DRIVER_PM101_LINE, "PM101")])
    binary = check(tmp_path, "-", stdin=b"\x7fELF\0\0dev_pm_ops")
    assert binary.reasons("-") == ["could not analyse: binary file (contains NUL bytes)"]
    empty = lint(tmp_path, *RULES, "-")
    assert (empty.code, empty.stdout) == (0, b"")


def test_fifo_in_a_tree_and_an_endless_device(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "pipe.c")     # opening it would wait for a writer forever
    (tree / "drv.c").write_bytes(DRIVER)
    run = check(tmp_path, "tree", "/dev/zero", timeout=120)
    assert run.code == 1
    assert run.reasons("/dev/zero") == ["could not analyse: cannot read file: more than 256 MB"]
    assert sorted(run.found()) == sorted([GOOD, ("tree/drv.c", DRIVER_PM101_LINE, "PM101"),
                                          ("/dev/zero", 1, "PM000")])


def test_missing_path_exits_2_and_the_rest_is_analysed(tmp_path):
    run = check(tmp_path, "no-such-file.c")
    assert run.code == 2
    assert "pmlint: error: no-such-file.c: no such file or directory" in run.stderr
    assert run.found() == [GOOD]
