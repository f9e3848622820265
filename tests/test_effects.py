"""The effect model: the vocabulary, a project's additions, and retired rules."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lintrun import pmlint
from pmlint import catalogue
from pmlint.kernel import effects
from pmlint.text import bodytext
from pmlint.model import FileModel, Location
from pmlint.frontend import parse_source


def test_the_shipped_vocabulary_loads_and_names_each_call_once():
    vocab = effects.vocabulary()
    assert len(vocab.classes) > 20
    assert vocab.kind("free_irq", "", "down")[0] == "down"
    assert vocab.kind("request_irq", "", "down")[0] == "up"
    assert vocab.kind("writel", "", "up")[0] == "up"          # both ways: the side's own
    assert vocab.kind("pci_set_power_state", "pdev, PCI_D0", "down")[0] == "up"
    assert vocab.kind("pci_set_power_state", "pdev, PCI_D3hot", "down")[0] == "down"
    assert vocab.kind("dev_get_drvdata", "", "down")[0] == "neutral"
    assert vocab.kind("readl", "", "down")[0] == "read"
    assert vocab.kind("foo_hw_stop", "", "down")[0] == "unknown"


def test_through_a_pointer_only_a_librarys_accessor_members_are_known():
    from pmlint.model import Call
    vocab = effects.vocabulary()
    assert vocab.of_call(Call("write_reg", 1, 1, "base + REG, v", indirect=True), "down")[0] == "down"
    assert vocab.of_call(Call("write_reg", 1, 1, "base + REG, v", indirect=True), "up")[1].name == "registers"
    assert vocab.of_call(Call("read_reg", 1, 1, "base + REG", indirect=True), "down")[0] == "read"
    assert vocab.of_call(Call("stop", 1, 1, "dev", indirect=True), "down")[0] == "unknown"
    assert vocab.of_call(Call("write_reg", 1, 1, "priv, REG, v"), "down")[0] == "unknown"   # a function, not the member
    more = vocab.extended({"pointer-writes": ["wr"], "pointer-reads": ["rd"]})
    assert more.of_call(Call("wr", 1, 1, "a, v", indirect=True), "down")[0] == "down"
    assert more.of_call(Call("rd", 1, 1, "a", indirect=True), "down")[0] == "read"


def test_a_call_in_two_classes_is_refused():
    one = effects.EffectClass("a", "A", frozenset({"x_off"}), frozenset({"x_on"}))
    two = effects.EffectClass("b", "B", frozenset({"x_off"}), frozenset())
    with pytest.raises(effects.VocabularyError, match="x_off is in two classes"):
        effects.Vocabulary((one, two))


def _model(source: bytes) -> FileModel:
    """The parse, with the bodies of all the file's functions."""
    model = parse_source("t.c", source)
    return bodytext.attach(model, source, [f.name for f in model.functions])


def test_bodies_are_followed_through_the_files_functions_and_macros():
    model = _model(b"""#include <linux/pm.h>
#define W(v) writel((v), base)
static void stop(void) { W(0); free_irq(1, 0); }
static int f(struct device *dev) { stop(); enable_irq(2); disable_irq(2); return 0; }
static const struct dev_pm_ops t = { .freeze = f };
""")
    got = effects.of_callback(model, "f", Location("t.c", 5, 1), effects.vocabulary())
    downs = [(e.call.name, e.chain, e.call.through) for e in got.net("down")]
    # enable_irq() then disable_irq() in one function balance: neither is left.
    assert downs == [("writel", ("f", "stop"), "W"), ("free_irq", ("f", "stop"), "")]
    assert got.verdict == "quiesces"


def test_a_macro_call_reads_as_the_preprocessor_expands_it():
    model = _model(b"""#include <linux/pm.h>
#define ch_readl(c, name) __raw_readl((c)->regs + ATC_##name##_OFFSET)
#define ch_writel(c, name, val) __raw_writel((val), (c)->regs + ATC_##name##_OFFSET)
struct ch { void *regs; unsigned int save; };
static int f(struct device *dev) { struct ch *c = dev_get_drvdata(dev); c->save = ch_readl(c, CFG); ch_writel(c, CTRL, c->save); return 0; }
static const struct dev_pm_ops t = { .suspend = f };
""")
    body = next(fn for fn in model.functions if fn.name == "f").body
    calls = {c.name: (c.args, c.through) for c in body.calls}
    assert calls["__raw_readl"] == ("(c)->regs + ATC_CFG_OFFSET", "ch_readl")
    assert calls["__raw_writel"] == ("(c->save), (c)->regs + ATC_CTRL_OFFSET", "ch_writel")
    # The store of the macro's result stores the call it makes.
    assert [s.value for s in body.pointer_stores] == ["__raw_readl"]


@pytest.mark.parametrize("body, verdict", [
    (b"{ return 0; }", "nothing"),
    (b"{ return -EBUSY; }", "refuses"),
    (b"{ struct foo *p = dev_get_drvdata(dev); p->frozen = 1; return 0; }", "flags"),
    (b"{ struct foo *p = dev_get_drvdata(dev); p->saved = readl(p->regs); return 0; }", "saves"),
    (b"{ return foo_hw_halt(dev); }", "unknown"),
    (b"{ struct foo *p = dev_get_drvdata(dev); return p->ops->halt(p); }", "unknown"),
    (b"{ disable_irq(1); foo_hw_halt(dev); return 0; }", "quiesces"),
])
def test_verdicts(body, verdict):
    model = _model(b"#include <linux/pm.h>\nstatic int f(struct device *dev)\n" + body
                   + b"\nstatic const struct dev_pm_ops t = { .freeze = f };\n")
    got = effects.of_callback(model, "f", Location("t.c", 4, 1), effects.vocabulary())
    assert got.verdict == verdict


def test_a_projects_helpers_extend_the_vocabulary(tmp_path):
    (tmp_path / "a.c").write_bytes(b"""#include <linux/pm.h>
extern void foo_hw_halt(void);
static int f(struct device *dev) { foo_hw_halt(); return 0; }
static const struct dev_pm_ops t = { .freeze = f, .restore = f };
static struct platform_driver d = { .driver.pm = &t };
""")
    def found():
        return [(f["rule"], f["severity"]) for f in json.loads(
            pmlint("--no-cache", "--format", "json", "--select", "PM101", tmp_path).stdout)["findings"]]
    assert found() == [("PM101", "note")]
    (tmp_path / ".pmlint.toml").write_text('[effects]\ndown = { foo_hw_halt = "dma" }\n')
    assert found() == [("PM101", "error")]
    (tmp_path / ".pmlint.toml").write_text('[effects]\nneutral = ["foo_hw_halt"]\n')
    assert found() == []
    (tmp_path / ".pmlint.toml").write_text('[effects]\ndown = { foo_hw_halt = "no-such" }\n')
    out = pmlint("--no-cache", tmp_path)
    assert out.returncode == 2 and "no such class" in out.stderr


def test_a_retired_rule_still_explains_and_never_runs():
    rule = {r.id: r for r in catalogue.everything()}["PM104"]
    assert rule.retired and "PM104" not in {r.id for r in catalogue.rules()}
    out = pmlint("explain", "PM104")
    assert out.returncode == 0 and "## Retired" in out.stdout
    # Still a known ID for --select and configurations: it matches nothing.
    assert pmlint("--select", "PM104", "--no-cache", "-", input="").returncode == 0


def test_style_rules_say_they_are_modernisation():
    by_id = catalogue.by_id()
    assert {r for r, rule in by_id.items() if rule.category == "modernisation"} == {
        "PM201", "PM202", "PM203", "PM204", "PM205", "PM206", "PM303"}


def test_docs_name_every_class():
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "docs" / "effects.md").read_text()
    assert all(f"`{c.name}`" in text for c in effects.vocabulary().classes)


def test_writes_in_a_read_helper_select_what_to_read():
    model = _model(b"""#include <linux/pm.h>
static u8 foo_read(int reg) { outb_p(reg, 0x2e); return inb_p(0x2f); }
static int f(struct device *dev) { return foo_read(4) ? 0 : -EIO; }
static const struct dev_pm_ops t = { .freeze = f };
""")
    got = effects.of_callback(model, "f", Location("t.c", 4, 1), effects.vocabulary())
    assert got.verdict == "saves"


@pytest.mark.parametrize("body, guarded", [
    (b"{ struct foo *p = dev_get_drvdata(dev); if (!p->active) return 0; clk_disable(p->c); return 0; }", True),
    (b"{ struct foo *p = dev_get_drvdata(dev);\n\n\tif (p->off) {\n\t\treturn 0;\n\t}\n\treturn 0; }", True),
    (b"{ struct foo *p = dev_get_drvdata(dev); clk_disable(p->c); if (p->x) return 1; return 0; }", False),
])
def test_a_callback_that_keeps_its_own_state(body, guarded):
    model = _model(b"#include <linux/pm.h>\nstatic int f(struct device *dev)\n" + body
                   + b"\nstatic const struct dev_pm_ops t = { .freeze = f };\n")
    assert next(fn for fn in model.functions if fn.name == "f").body.guarded is guarded


def _grault(*args):
    out = pmlint(*args, "--format", "json", "--exit-zero",
                 Path(__file__).parents[1] / "fixtures/PM101_fires.c").stdout
    return [f for f in json.loads(out)["findings"] if f["symbol"] == "grault_pm_ops"]


def test_a_table_with_neither_way_back_gets_one_finding_naming_both_paths():
    (found,) = _grault("--select", "PM101,PM102")
    assert found["rule"] == "PM101" and "no thaw-side callback at any phase" in found["message"]
    folded = [n for n in found["notes"] if n["message"].endswith("[PM102]")]
    assert len(folded) == 1 and "no restore-side callback at any phase" in folded[0]["message"]
    # The evidence the two share is shown once.
    assert len(found["notes"]) == len({(n["line"], n["message"]) for n in found["notes"]})


def test_the_folded_finding_stands_alone_without_the_one_it_folds_into():
    (alone,) = _grault("--select", "PM102")
    assert alone["rule"] == "PM102"
    assert [f["rule"] for f in _grault("--select", "PM1", "--ignore", "PM101")] == ["PM102"]


@pytest.mark.parametrize("body, left", [
    # One clock on, another off: the other is left down.
    (b"{ clk_prepare_enable(p->pclk); p->s = readl(p->regs); clk_disable_unprepare(p->clk); return 0; }",
     ["clk_disable_unprepare"]),
    # The same clock on and off: balanced.
    (b"{ clk_prepare_enable(p->clk); p->s = readl(p->regs); clk_disable_unprepare(p->clk); return 0; }",
     []),
    # Both branches are read: calls on different lines never balance.
    (b"{ if (p->wake) enable_irq(p->wirq); else disable_irq(p->irq); return 0; }", ["disable_irq"]),
])
def test_only_calls_on_the_same_argument_balance(body, left):
    model = _model(b"#include <linux/pm.h>\nstruct p { int wake, wirq, irq; void *regs, *clk, *pclk; int s; };\n"
                   b"static int f(struct device *dev) { struct p *p = dev_get_drvdata(dev); "
                   + body[1:] + b"\nstatic const struct dev_pm_ops t = { .freeze = f };\n")
    got = effects.of_callback(model, "f", Location("t.c", 3, 1), effects.vocabulary())
    assert [e.call.name for e in got.net("down")] == left


@pytest.mark.parametrize("helper, verdict", [
    ("foo_read32", "saves"), ("foo_ioread32", "saves"), ("rd32", "saves"), ("foo_reg_read", "saves"),
    ("foo_wait_ready", "quiesces"), ("foo_thread", "quiesces"),
])
def test_a_helper_named_for_reading_selects_with_its_writes(helper, verdict):
    h = helper.encode()
    model = _model(b"#include <linux/pm.h>\nstatic void *regs; static unsigned int v;\n"
                   b"static unsigned int " + h + b"(int r) { writel(r, regs); return readl(regs + 4); }\n"
                   b"static int f(struct device *dev) { v = " + h + b"(3); return 0; }\n"
                   b"static const struct dev_pm_ops t = { .freeze = f };\n")
    got = effects.of_callback(model, "f", Location("t.c", 5, 1), effects.vocabulary())
    assert got.verdict == verdict


def test_reading_only_the_bodies_the_rules_judge_changes_no_finding():
    """Every fixture, every rule: the lazily read model (what a run reads)
    and the model with every body give the same findings."""
    from expectations import fixture_files
    from pmlint.engine import evaluate
    from pmlint.frontend import ParseOptions
    from pmlint.kernel.modulelinks import Linker
    from pmlint.pipeline.runner import analyse_file
    rules = catalogue.rules()
    for path in fixture_files():
        lazy = analyse_file(str(path), ParseOptions(), rules)
        source = path.read_bytes()
        full = bodytext.attach(lazy.model, source, [f.name for f in lazy.model.functions],
                               lambda: Linker(str(path)).headers(str(path), source))
        assert sorted(evaluate(lazy.model, rules)) == sorted(evaluate(full, rules)), path.name


@pytest.mark.parametrize("text, stores", [
    (b"lcd->screen &= ~1;", [("lcd->screen", ("lcd",))]),
    (b"lcd->window[i].ctrl = 0;", [("lcd->window[i].ctrl", ("lcd",))]),
    (b"priv->regs->ctrl <<= 2;", [("priv->regs->ctrl", ("priv", "regs"))]),
    (b"if (lcd->screen == 0 || p->a <= 1 || p->b >= 2 || p->c != 3) x.y = 1;", []),
])
def test_stores_through_pointers_are_read(text, stores):
    from pmlint.text import storetext
    assert [(t, p) for t, p, _, _, _ in storetext.stores_in(text, 0, len(text))] == stores


def test_a_store_of_a_read_names_the_call():
    from pmlint.text import storetext
    text = b"p->saved[i++] = __raw_readl(p->base + 4); p->a = (u32) readl(x); p->b |= readl(y); p->c = d;"
    assert [v for _, _, v, _, _ in storetext.stores_in(text, 0, len(text))] == ["__raw_readl", "readl", "", ""]


def test_a_plain_store_keeps_what_it_writes():
    from pmlint.text import storetext
    text = (b"p->a = val; p->b |= v; for (p->i = 0; p->i < n; p->i++) f(p->c = g(x, y), z);"
            b" p->d = (u16)(v >> 5) ;")
    assert [e for _, _, _, e, _ in storetext.stores_in(text, 0, len(text))] == [
        "val", "", "0", "g(x, y)", "(u16)(v >> 5)"]


@pytest.mark.parametrize("text, origins", [
    (b"static struct r *lcd = (struct r *) 0xB5000000;", {"address"}),
    (b"static struct r *lcd = (struct r *) LCD_ADDR;", {"address"}),
    (b"p->lcd = (struct r *) NULL; p->lcd = LCD_ADDR;", set()),
    (b"{ .compatible = \"x\", .lcd = (void *)TYPE_A }, { .lcd = (const void *) 2 }", set()),
    (b"p->lcd = (void __iomem *)KSEG1ADDR(0x1000);", {"call KSEG1ADDR"}),
    (b"p->lcd = devm_platform_ioremap_resource(pdev, 0);", {"call devm_platform_ioremap_resource"}),
    (b"struct q { struct r __iomem *lcd; };", {"iomem"}),
    (b"struct r { volatile u32 a; }; static struct r *lcd;", {"volatile"}),
    (b"struct r { u32 a; }; static struct r *lcd; lcd = kzalloc(4, 0);", {"call kzalloc"}),
])
def test_where_a_pointer_comes_from(text, origins):
    from pmlint.text import storetext
    assert {o.origin for o in storetext.origins(text, ["lcd"])} == origins


@pytest.mark.parametrize("origin, device", [
    ("address", True), ("iomem", True), ("volatile", True), ("call ioremap", True),
    ("call devm_ioremap_resource", True), ("call pcim_iomap_table", True), ("call of_iomap", True),
    ("call kzalloc", False), ("call devm_kzalloc", False), ("call dev_get_drvdata", False),
])
def test_which_origins_are_device_memory(origin, device):
    assert effects.vocabulary().maps_device(origin) is device


def test_a_store_through_device_memory_is_a_register_write():
    model = _model(b"""#include <linux/pm.h>
struct r { u32 ctrl; };
struct foo { struct r *regs; struct r *soft; int on; };
static int f(struct device *dev)
{
	struct foo *p = dev_get_drvdata(dev);

	p->on = 0;
	p->soft->ctrl = 0;
	p->regs->ctrl = 0;
	return 0;
}
static int probe(struct foo *p) { p->regs = ioremap(0, 4); p->soft = kzalloc(4, 0); return 0; }
static const struct dev_pm_ops t = { .freeze = f };
""")
    got = effects.of_callback(model, "f", Location("t.c", 13, 1), effects.vocabulary())
    assert got.verdict == "quiesces"
    assert [(e.api, e.cls.name, e.call.line) for e in got.net("down")] == [("p->regs->ctrl", "mmio", 10)]


def test_plain_assignments_to_variables_are_read():
    from pmlint.text import storetext
    text = b"u8 regval = (val & m) >> 5; p->a = x; if (a == b || c <= d) n = f(x, y); n |= 3; s.t = 1;"
    assert [(n, e) for n, e, _ in storetext.assignments_in(text, 0, len(text))] == [
        ("regval", "(val & m) >> 5"), ("n", "f(x, y)")]


def test_functions_set_as_initializer_members_are_found():
    from pmlint.text import members
    text = b"static const struct iio_info i = { .read_raw = foo_read, .write_raw = &foo_write }; x.y = foo_read;"
    assert [(m, f) for m, f, _ in members.function_members(text, ["foo_read", "foo_write"])] == [
        ("read_raw", "foo_read"), ("write_raw", "foo_write")]


def _qux(*args):
    out = pmlint(*args, "--format", "json", "--exit-zero",
                 Path(__file__).parents[1] / "fixtures/PM103_fires_library_dma.c").stdout
    return [f for f in json.loads(out)["findings"] if f["symbol"] == "qux_pm_ops"]


def test_a_second_path_that_breaks_is_a_note_of_the_tables_one_finding():
    # PM103 (the snapshot) and PM112 (RESTORE) on one table: PM103's finding,
    # PM112's message and evidence as its notes.
    (found,) = _qux()
    assert found["rule"] == "PM103" and found["severity"] == "error"
    folded = [n for n in found["notes"] if n["message"].endswith("[PM112]")]
    assert len(folded) == 1 and "brings back a session opened at run time" in folded[0]["message"]
    assert any("brings back, when it is running" in n["message"] for n in found["notes"])
    assert [f["rule"] for f in _qux("--select", "PM112")] == ["PM112"]


def test_folds_into_names_other_rules_only():
    from pmlint import catalogue
    rules = {r.id: r for r in catalogue.everything()}
    assert rules["PM112"].folds_into[:3] == ("PM101", "PM102", "PM103")
    for r in rules.values():
        assert r.id not in r.folds_into and set(r.folds_into) <= set(rules)


def _finding(rule: str, symbol: str = "t", line: int = 10, severity: str = "error"):
    from pmlint.model import Finding, Note
    return Finding("f.c", line, 1, rule, severity, symbol, f"{rule} says",
                   notes=(Note("f.c", 3, 1, f"{rule} evidence"), Note("f.c", 10, 1, "shared")))


def _rules(**into):
    import dataclasses
    by = {r.id: r for r in catalogue.everything()}
    return [dataclasses.replace(by[rid], folds_into=tuple(t)) for rid, t in into.items()]


def test_a_chain_of_folds_ends_at_the_first_rule_with_no_host():
    from pmlint.filters import one_per_table
    rules = _rules(PM101=(), PM109=("PM101",), PM110=("PM109", "PM101"))
    (one,) = one_per_table([_finding("PM101"), _finding("PM109"), _finding("PM110", severity="warning")], rules)
    assert one.rule == "PM101" and one.severity == "error"
    said = [n.message for n in one.notes]
    assert "PM109 says [PM109]" in said and "PM110 says [PM110]" in said
    assert said.count("shared") == 1


def test_a_fold_takes_the_first_rule_named_that_reports_the_table():
    from pmlint.filters import one_per_table
    rules = _rules(PM102=(), PM103=(), PM112=("PM103", "PM102"))
    out = one_per_table([_finding("PM102"), _finding("PM103"), _finding("PM112")], rules)
    assert [f.rule for f in out] == ["PM102", "PM103"]
    assert any(n.message.endswith("[PM112]") for n in out[1].notes)
    # Another table's finding is its own.
    assert [f.rule for f in one_per_table([_finding("PM103"), _finding("PM112", "u")], rules)] == ["PM103", "PM112"]


def test_findings_of_rules_in_a_circle_stay_as_they_are():
    from pmlint.filters import one_per_table
    rules = _rules(PM101=("PM112",), PM112=("PM101",))
    assert [f.rule for f in one_per_table([_finding("PM101"), _finding("PM112")], rules)] == ["PM101", "PM112"]
