"""What the files Kbuild links with a file define and export, as PM111
follows probe into them (pmlint.kernel.modulelinks, pmlint.text.bodytext)."""
from __future__ import annotations

import os

import pytest

from lintrun import lint
from pmlint.kernel.modulelinks import Linker
from pmlint.text.bodytext import BodyReader

DEFINITIONS = b"""\
static DEFINE_MUTEX(lock);
module_init(foo_init);
int a_rel(struct x *p)
	__releases(&p->lock)
{
	return 0;
}
int __must_check b_attr(int x) __attribute__((nonnull))
{
	return 0;
}
static const struct x tbl = {
	.f = g(1),
};
static int c_static(void) { return 0; }
int d_plain(void);
int d_plain(void)
{
	return c_static();
}
"""


def test_definitions_are_functions_at_file_scope_past_their_annotations():
    found = BodyReader(DEFINITIONS).definitions()
    assert sorted(found) == ["a_rel", "b_attr", "c_static", "d_plain"]
    assert [found[n][2] for n in ("a_rel", "c_static")] == [False, True]   # static


MAKEFILE = "m-y := glue.o load.o # was: old.o\nobj-m += m.o\nobj-m += other.o\n"
GLUE = "int m_load(void);\nint helper(void);\nint glue_probe(void) { return m_load() + helper(); }\n"
LOAD = "int m_load(void) { return 0; }\n"
OTHER = "int helper(void) { return 0; }\nstatic int hidden(void) { return 0; }\n"


@pytest.fixture
def module(tmp_path):
    drv = tmp_path / "drv"
    drv.mkdir()
    for name, text in (("Makefile", MAKEFILE), ("glue.c", GLUE), ("load.c", LOAD), ("other.c", OTHER),
                       ("old.c", "int m_old(void) { return 0; }\n")):
        (drv / name).write_text(text)
    return drv


@pytest.mark.parametrize("spelling", ["drv/glue.c", "./drv/glue.c", "drv//glue.c", "drv/../drv/glue.c"])
def test_a_module_object_resolves_however_the_path_is_spelt(module, spelling, monkeypatch):
    monkeypatch.chdir(module.parent)
    resolve = Linker(spelling)
    found = resolve(spelling, "m_load")
    assert found is not None and os.path.samefile(found[0], module / "load.c") and found[-1] is False
    assert resolve(spelling, "helper") is None       # another module's, not exported
    assert resolve(spelling, "hidden") is None       # static to other.c
    assert resolve(spelling, "m_old") is None        # named only in a Makefile comment


def test_an_exported_function_of_another_module_resolves(module, monkeypatch):
    monkeypatch.chdir(module.parent)
    (module / "other.c").write_text(OTHER + "EXPORT_SYMBOL_GPL(helper);\n")
    found = Linker("drv/glue.c")("drv/glue.c", "helper")
    assert found is not None and found[0] == "drv/other.c" and found[-1] is True


def test_another_revision_of_the_file_reads_no_other_file(tmp_path):
    """Text that is not the file on disk (stdin here; --git and --patch
    alike) is judged without the module's other files."""
    tree = tmp_path / "fwdrv"
    import shutil
    from expectations import FIXTURES
    shutil.copytree(FIXTURES / "modules" / "fwdrv", tree)
    on_disk = lint(tree, "--no-cache", "--format", "json", "--select", "PM111", "fwspi.c")
    assert [f["rule"] for f in on_disk.doc["findings"]] == ["PM111"]
    piped = lint(tree, "--no-cache", "--format", "json", "--select", "PM111", "-",
                 stdin=(tree / "fwspi.c").read_bytes())
    assert piped.code == 0 and piped.doc["findings"] == []
