"""Real build flags: `pmlint -p BUILD_DIR` and kbuild's `make C=2 CHECK=pmlint`.

tests/realflags is a tiny tree with its own <linux/pm.h> (written for these
tests, expanding the macros as the kernel does); the compilation database is
written per test, since it holds absolute paths.
"""
from __future__ import annotations

import json
from pathlib import Path

import lintrun
from pmlint.pipeline.buildflags import reduce
from pmlint.frontend import ParseOptions, parse_source

TREE = Path(__file__).resolve().parent / "realflags"
WIDGET = "drivers/widget.c"
# kbuild's CHECKFLAGS for x86-64 (the top Makefile and arch/x86/Makefile), then c_flags.
SPARSE = ["-D__linux__", "-Dlinux", "-D__STDC__", "-Dunix", "-D__unix__", "-Wbitwise",
          "-Wno-return-void", "-Wno-unknown-attribute", "-D__x86_64__", "--arch=x86",
          "-mlittle-endian", "-m64"]
C_FLAGS = ["-Wp,-MMD,drivers/.widget.o.d", "-nostdinc", "-I./include",
           "-include", "./include/linux/kconfig.h", "-D__KERNEL__",
           "-std=gnu11", "-fno-PIE", "-mno-red-zone", "-mindirect-branch=thunk-extern",
           "-fconserve-stack", "-O2", "-Wall", "-Werror=implicit-int", "-g"]


def pmlint(*args, cwd=TREE):
    return lintrun.pmlint(*args, cwd=cwd)


def write_compdb(folder: Path) -> Path:
    command = "gcc " + " ".join(C_FLAGS) + " -DWIDGET_FULL_SLEEP -c -o drivers/widget.o " + WIDGET
    folder.joinpath("compile_commands.json").write_text(json.dumps(
        [{"directory": str(TREE), "file": str(TREE / WIDGET), "command": command}]))
    return folder


def tables(out: str) -> dict[str, dict[str, str]]:
    return {t["name"]: t["slots"] for t in json.loads(out)["tables"]}


def test_a_define_from_the_database_changes_the_outcome(tmp_path):
    headerless = pmlint("--no-cache", "--format", "json", WIDGET)
    assert headerless.returncode == 1   # without the flag: .freeze alone, which frees the IRQ
    assert tables(headerless.stdout)["widget_pm_ops"] == {"freeze": "widget_suspend"}
    build = write_compdb(tmp_path)
    for where in (build, build / "compile_commands.json"):
        real = pmlint("--no-cache", "--format", "json", "-p", where, WIDGET)
        assert (real.returncode, real.stderr) == (0, ""), real.stderr
        slots = tables(real.stdout)["widget_pm_ops"]
        assert slots["thaw"] == slots["restore"] == "widget_resume"
        assert json.loads(real.stdout)["findings"] == []


def test_with_no_path_the_database_files_are_checked(tmp_path):
    out = pmlint("--no-cache", "--format", "json", "-p", write_compdb(tmp_path))
    assert out.returncode == 0
    assert [t["path"] for t in json.loads(out.stdout)["tables"]] == [str(TREE / WIDGET)]


def test_a_file_not_in_the_database_is_parsed_without_headers_with_a_note(tmp_path):
    out = pmlint("--no-cache", "--format", "json", "-p", write_compdb(tmp_path), "drivers/")
    assert "note: 1 of 2 files are not in" in out.stderr and "drivers/gadget.c" in out.stderr
    assert set(tables(out.stdout)) == {"widget_pm_ops", "gadget_pm_ops"}


def test_the_cache_key_holds_the_flags(tmp_path):
    cache = tmp_path / "cache"
    first = pmlint("--cache-dir", cache, "--format", "json", WIDGET)
    real = pmlint("--cache-dir", cache, "--format", "json", "-p", write_compdb(tmp_path), WIDGET)
    assert tables(first.stdout) != tables(real.stdout)


def test_real_headers_give_the_same_model_as_the_prelude():
    """The kernel's macros are replaced by pmlint's marked ones: same slots, same marks."""
    path = str(TREE / "drivers/gadget.c")
    source = Path(path).read_bytes()
    flags = reduce(["gcc", *C_FLAGS, "-c", path], compiler=True).flags
    real = parse_source(path, source, ParseOptions(flags=flags, directory=str(TREE)))
    headerless = parse_source(path, source)
    assert real.tables == headerless.tables
    assert real.tables[0].slot("thaw").macros == ("SYSTEM_SLEEP_PM_OPS", "pm_sleep_ptr")
    assert not real.problems and real.left_out == ()


def test_reduce_keeps_what_decides_the_parse():
    command = reduce(["aarch64-linux-gnu-gcc", "-Wp,-MMD,x.d", "-nostdinc", "-Iinclude",
                      "-isystem", "/gcc/include", "-include", "./kconfig.h", "-DKBUILD_MODNAME=\"w\"",
                      "-U", "X", "-std=gnu11", "-m64", "-mno-sse", "-fno-PIE", "-O2", "-Wall",
                      "-MD", "-MF", "x.d", "-c", "-o", "x.o", "x.c"], compiler=True)
    assert command.flags == ("--target=aarch64-linux-gnu", "-nostdinc", "-I", "include",
                             "-isystem", "/gcc/include", "-include", "./kconfig.h",
                             "-D", 'KBUILD_MODNAME="w"', "-U", "X", "-std=gnu11", "-m64")
    assert (command.inputs, command.output) == (("x.c",), "x.o")


def test_kbuild_checker_call_prints_to_stderr_and_exits_0():
    out = pmlint(*SPARSE, *C_FLAGS, WIDGET)
    assert (out.returncode, out.stdout) == (0, "")
    lines = out.stderr.splitlines()
    assert lines[0].startswith(f"{WIDGET}:14:32: error: 'widget_pm_ops' sets .freeze but no "
                               "thaw-side callback at any phase")
    assert lines[0].endswith("[PM101]")
    # The evidence, as GCC prints a note: where widget_suspend frees the IRQ.
    assert lines[1] == (f"{WIDGET}:8:49: note: widget_suspend() calls free_irq(): "
                        "the interrupt handler left down")
    clean = pmlint(*SPARSE, *C_FLAGS, "-DWIDGET_FULL_SLEEP", WIDGET)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")
    assert pmlint(*SPARSE, *C_FLAGS, "-Wpmlint-error", WIDGET).returncode == 1


def test_kbuild_checker_call_without_a_file_is_an_error():
    out = pmlint(*SPARSE, *C_FLAGS)
    assert out.returncode == 2 and "no source file" in out.stderr


def test_database_entries_with_arguments_relative_paths_and_junk(tmp_path):
    from pmlint.pipeline import compdb
    db = tmp_path / "compile_commands.json"
    db.write_text(json.dumps([
        {"directory": str(TREE), "file": WIDGET,
         "arguments": ["cc", "-I", "include", "-DWIDGET_FULL_SLEEP", "-c", WIDGET, "-o", "w.o"]},
        {"directory": str(TREE), "file": "drivers/entry.S", "command": "gcc -c drivers/entry.S"},
        {"directory": str(TREE), "file": "x.c", "command": "gcc 'unbalanced"},
        "not an entry"]))
    loaded = compdb.load(str(tmp_path))
    assert loaded.files() == [str(TREE / WIDGET)]
    entry = loaded.entry(str(TREE / "drivers" / ".." / WIDGET))
    assert entry.flags == ("-I", "include", "-D", "WIDGET_FULL_SLEEP")
    assert entry.output == str(TREE / "w.o")


def test_kbuild_checker_call_for_an_external_module():
    # make -C $KDIR M=$PWD C=2 CHECK=pmlint: kbuild runs in $KDIR and names the
    # module's file by its absolute path; the module's ccflags-y come with c_flags.
    module = TREE / WIDGET
    out = pmlint(*SPARSE, *C_FLAGS, str(module))
    assert out.returncode == 0 and out.stderr.startswith(f"{module}:14:32: error: ")
    clean = pmlint(*SPARSE, *C_FLAGS, "-DWIDGET_FULL_SLEEP", str(module))
    assert (clean.returncode, clean.stderr) == (0, "")
