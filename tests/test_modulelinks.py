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


def test_local_headers_are_read_in_include_order_once_each_and_recorded(tmp_path, monkeypatch):
    """What a file's quoted #includes lead to, relative to the including
    file as the preprocessor finds them; a header that includes itself or
    one already read is not read again, one that is missing is passed over;
    every read is an answer of the tree (a header's edit invalidates)."""
    from pmlint.kernel import buildneeds
    drv = tmp_path / "drv"
    (drv / "sub").mkdir(parents=True)
    (drv / "Makefile").write_text("obj-m += a.o\n")
    (drv / "a.h").write_text('#include "sub/b.h"\n#include "a.h"\n#define A 1\n')
    (drv / "sub" / "b.h").write_text('#include "../a.h"\n#define B 1\n')
    source = b'#include "a.h"\n#include "missing.h"\n#include <linux/io.h>\nint x;\n'
    (drv / "a.c").write_bytes(source)
    monkeypatch.chdir(tmp_path)
    with buildneeds.answers() as asked:
        texts = Linker("drv/a.c").headers("drv/a.c", source)
    assert texts == [(drv / "sub" / "b.h").read_bytes(), (drv / "a.h").read_bytes()]
    assert sorted(p for p, _, _ in asked) == ["drv/a.h", "drv/missing.h", "drv/sub/b.h"]


def test_a_headers_macro_expands_but_the_files_own_definition_wins():
    reader = BodyReader(b"#define w(p, v) mine(v, p)\nvoid f(int *p) { w(p, 1); z(p); }\n",
                        [b"#define w(p, v) writel(v, p)\n#define z(p) readl(p)\n"])
    body = reader.body(reader.definitions()["f"][1])
    assert [(c.name, c.args, c.through) for c in body.calls] == [("mine", "1, p", "w"), ("readl", "p", "z")]


def test_stdin_reads_no_local_header(tmp_path):
    """A header's macros are read for the file on disk only, as the linked files are."""
    import shutil
    from expectations import FIXTURES
    for name in ("PM109_fires_headers.c", "PM109_fires_headers.h", "PM109_fires_headers_regs.h"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    on_disk = lint(tmp_path, "--no-cache", "--format", "json", "--select", "PM109", "PM109_fires_headers.c")
    assert [f["rule"] for f in on_disk.doc["findings"]] == ["PM109"]
    piped = lint(tmp_path, "--no-cache", "--format", "json", "--select", "PM109", "-",
                 stdin=(tmp_path / "PM109_fires_headers.c").read_bytes())
    assert piped.code == 0 and piped.doc["findings"] == []


def test_a_stub_for_another_configuration_does_not_replace_a_macro_that_calls():
    """Both branches of an #if count, as in a body (smc91x.h's SMC_outb)."""
    reader = BodyReader(b"#ifdef A\n#define out(v, a) writeb(v, a)\n#else\n#define out(v, a)\n#endif\n"
                        b"#define dbg(x)\nvoid f(int *a) { out(1, a); dbg(a); }\n")
    body = reader.body(reader.definitions()["f"][1])
    assert [(c.name, c.args) for c in body.calls] == [("writeb", "1, a")]
