"""The parser's model of real driver shapes, without kernel headers."""
from __future__ import annotations

import os

import pytest

from expectations import FIXTURES
from pmlint.frontend import ParseOptions, parse_source
from pmlint.pipeline.runner import analyse_source


def _model(src: str, **kw):
    return parse_source("drv.c", src.encode(), ParseOptions(**kw))


def test_headerless_fixture_keeps_every_table_and_driver():
    path = FIXTURES / "headerless.c"
    model = parse_source(str(path), path.read_bytes())
    assert [t.name for t in model.tables] == ["foo_pm_ops", "foo_old_pm_ops"]
    assert not model.problems
    (drv,) = model.drivers
    assert (drv.name, drv.type) == ("foo_serio_driver", "serio_driver")
    assert [(s.name, s.callback) for s in drv.slots] == [("driver.pm", "foo_pm_ops")]


def test_slot_records_location_and_macro():
    model = _model("static const struct dev_pm_ops t = {\n"
                   "\tSYSTEM_SLEEP_PM_OPS(a, b)\n\t.runtime_idle = c,\n};\n")
    (t,) = model.tables
    assert t.defined_by == "designated-initializer" and t.const and t.static
    freeze, idle = t.slot("freeze"), t.slot("runtime_idle")
    assert (freeze.callback, freeze.location.line, freeze.via) == ("a", 2, "SYSTEM_SLEEP_PM_OPS")
    assert (idle.callback, idle.location.line, idle.via) == ("c", 3, "runtime_idle")


def test_non_const_and_exported():
    model = _model("struct dev_pm_ops t = { .freeze = a };\n"
                   "EXPORT_GPL_SIMPLE_DEV_PM_OPS(u, a, b);\n")
    t, u = model.tables
    assert not t.const and not t.static and not t.exported
    assert u.exported and u.defined_by == "EXPORT_GPL_SIMPLE_DEV_PM_OPS"


def test_pm_sleep_off_drops_sleep_members():
    src = "static DEFINE_SIMPLE_DEV_PM_OPS(t, a, b);\nstatic SIMPLE_DEV_PM_OPS(u, a, b);\n"
    model = _model(src, config=("CONFIG_PM",))
    assert [x.slot_map for x in model.tables] == [{}, {}]


def test_declaration_only_table():
    (t,) = _model("extern const struct dev_pm_ops t;\n").tables
    assert not t.defined and t.slots == ()


def test_functions_are_listed():
    model = _model("static int a(struct device *d);\nint b(struct device *d) { return 0; }\n")
    assert [(f.name, f.defined, f.static) for f in model.functions] == [
        ("a", False, True), ("b", True, False)]


def test_xenbus_driver_members():
    model = _model("static struct xenbus_driver x = { .suspend = s, .resume = r, .probe = p };\n")
    (d,) = model.drivers
    assert d.type == "xenbus_driver"
    assert [(s.name, s.callback) for s in d.slots] == [("suspend", "s"), ("resume", "r")]


def test_binary_and_broken_input_become_problems():
    assert analyse_source("x.c", b"dev_pm_ops\0\1\2", ParseOptions()).problems
    broken = _model("static const struct dev_pm_ops t = { .freeze = (a, };\n")
    assert broken.problems and not broken.tables[0].complete


def test_non_utf8_source_is_parsed():
    src = "/* caf\xe9 */ static DEFINE_SIMPLE_DEV_PM_OPS(t, a, b);\n".encode("latin-1")
    (t,) = parse_source("x.c", src).tables
    assert t.slot_map["thaw"] == "b"


def test_a_byte_not_utf8_in_a_name_is_no_crash():
    # Found by the fuzzer: libclang's bindings decode names and tokens as strict UTF-8.
    src = (b"static struct dev_pm_ops next_pm = { .freeze = s, .thaw = r };\n"
           b"static struct dev_pm_ops\x80f{oo_pm_ops = {\n\tSYSTEM_SLEEP_PM_OPS(s, r)\n};\n")
    model = parse_source("x.c", src)
    assert [(t.name, t.slot_map) for t in model.tables] == [("next_pm", {"freeze": "s", "thaw": "r"})]


def test_slot_macros_see_through_wrapper_macros():
    model = _model("#define FOO_PM SET_SYSTEM_SLEEP_PM_OPS(a, b)\n"
                   "#define FOO_PTR pm_ptr(&t)\n"
                   "static const struct dev_pm_ops t = { FOO_PM .runtime_idle = c };\n"
                   "static struct platform_driver d = { .driver.pm = pm_sleep_ptr(&t) };\n"
                   "static struct platform_driver e = { .driver.pm = &t };\n"
                   "static struct platform_driver f = { .driver.pm = FOO_PTR };\n")
    (t,) = model.tables
    freeze = t.slot("freeze")
    assert freeze.via == "FOO_PM"
    assert set(freeze.macros) == {"SYSTEM_SLEEP_PM_OPS", "pm_sleep_ptr", "SET_SYSTEM_SLEEP_PM_OPS"}
    assert t.slot("runtime_idle").macros == ()
    assert [d.slots[0].macros for d in model.drivers] == [("pm_sleep_ptr",), (), ("pm_ptr",)]


def test_table_uses_are_text_outside_its_declarations():
    model = _model("static const struct dev_pm_ops t;\n"
                   "/* t */ static const char *s = \"t\";\n"
                   "static void f(struct device *d) { d->type->pm = &t; }\n"
                   "static const struct dev_pm_ops t = { .freeze = a };\n"
                   "static DEFINE_SIMPLE_DEV_PM_OPS(u, a, b);\n")
    t, u = model.tables
    assert [(x.line, x.column) for x in t.uses] == [(3, 50)] and t.used
    assert u.uses == () and not u.used


def test_discarded_export_is_still_exported():
    (t,) = _model("EXPORT_DEV_PM_OPS(t) = { .freeze = a };\n", config=()).tables
    assert (t.name, t.static, t.exported) == ("__static_t", True, True)


def test_left_out_is_what_the_file_defines_under_an_option_that_is_off(tmp_path):
    (tmp_path / "foo.h").write_text("int c(struct device *dev);\n")
    src = ("#include \"foo.h\"\n#include <linux/missing.h>\n"
           "#ifdef CONFIG_ACPI\nstatic int a(struct device *dev) { return 0; }\n"
           "int c(struct device *dev) { return 0; }\n#endif\n"
           "static const struct dev_pm_ops t = { .suspend = a, .resume = b, .freeze = c };\n")
    path = tmp_path / "foo.c"
    path.write_text(src)
    model = parse_source(str(path), src.encode())
    assert model.left_out == ("a",)   # b may come from the missing header; c is in foo.h


def test_conditionals_give_the_guards_of_a_line():
    model = _model("#ifdef CONFIG_PM\n#if IS_ENABLED(CONFIG_OF)\nint a;\n#endif\n"
                   "#else\nint b;\n#endif\nint c;\n")
    assert model.guards(3) == ["#ifdef CONFIG_PM", "#if IS_ENABLED(CONFIG_OF)"]
    assert model.guards(6) == ["#ifdef CONFIG_PM"] and model.guards(8) == []


def test_callback_bodies_are_judged_trivial_from_their_text():
    src = ("static int a(struct device *d) { }\n"
           "static int b(struct device *d)\n{\n\t/* x */\n\treturn 0;\n}\n"
           "static void c(struct device *d) { return; }\n"
           "static int d(struct device *d) __must_hold(x)\n{\n#ifdef CONFIG_X\n\tf(d);\n#endif\n\treturn 0;\n}\n"
           "static int e(struct device *d) { return f(d); }\n"
           "static int f(struct device *d) { return 1; }\n"
           "static int i(struct device *d) { return -EOPNOTSUPP; }\n"
           "int g(struct device *d);\n"
           "static int h(struct device *d) { return 0; }\n"
           "static const struct dev_pm_ops t = { .freeze = a, .thaw = b, .restore = c,\n"
           "\t.freeze_late = d, .thaw_early = e, .restore_early = f, .poweroff = g,\n"
           "\t.freeze_noirq = i };\n")
    trivial = {f.name: f.trivial for f in _model(src).functions}
    # h is no table's callback, g has no body here: neither is judged.
    assert trivial == {"a": True, "b": True, "c": True, "d": False, "e": False, "f": False,
                       "g": None, "h": None, "i": True}


def test_positional_values_of_a_struct_pmlint_made_up_are_no_members():
    # svga_timing_regs is in no header pmlint knows: its member order is made
    # up, so positional values must not land on its made-up suspend/resume.
    values = ", ".join(f"r{i}" for i in range(12))
    model = _model(f"static const struct svga_timing_regs regs = {{ {values} }};\n"
                   "static struct pci_driver drv = { .name = \"x\", .suspend = xs, .resume = xr };\n")
    assert [(d.name, [(s.name, s.callback) for s in d.slots]) for d in model.drivers] == [
        ("drv", [("suspend", "xs"), ("resume", "xr")])]


def test_a_driver_set_by_a_macro_of_the_file_is_found():
    model = _model("#define MY_DRIVER(n, ops) { .name = n, .driver = { .pm = ops } }\n"
                   "static const struct dev_pm_ops my_pm = { .freeze = f, .thaw = t };\n"
                   "static struct platform_driver drv = MY_DRIVER(\"x\", &my_pm);\n")
    assert [(d.name, [(s.name, s.callback) for s in d.slots]) for d in model.drivers] == [
        ("drv", [("driver.pm", "my_pm")])]


def test_members_named_only_by_designators_survive_in_one_round():
    # A bus struct pmlint does not know gets every designator of the file as a member.
    model = _model("static const struct dev_pm_ops p = { .freeze = f, .thaw = t, .restore = r };\n"
                   "static struct foo_driver drv = { .foo_id = ids, .flags = 1, .driver.pm = &p };\n")
    assert [(d.type, [(s.name, s.callback) for s in d.slots]) for d in model.drivers] == [
        ("foo_driver", [("driver.pm", "p")])]


def test_the_precompiled_prelude_gives_the_models_the_text_gives(monkeypatch):
    from pmlint.frontend import clang
    sources = sorted(FIXTURES.glob("*.c"))
    models = {}
    for after in (10 ** 9, 0):   # the prelude as text always, then precompiled always
        monkeypatch.setattr(clang, "_PCH_AFTER", after)
        models[after] = [parse_source(str(p), p.read_bytes(), ParseOptions()) for p in sources]
    assert clang._precompiled(ParseOptions().macros, os.getpid()) is not None
    assert models[0] == models[10 ** 9]


def test_a_driver_set_by_a_chain_of_the_files_macros_is_found():
    model = _model("#define INNER(n, ops) { .name = n, .driver = { .pm = ops } }\n"
                   "#define OUTER(n, ops) INNER(n, ops)\n"
                   "static const struct dev_pm_ops my_pm = { .freeze = f, .thaw = t };\n"
                   "static struct platform_driver drv = OUTER(\"x\", &my_pm);\n")
    assert [(d.name, [(s.name, s.callback) for s in d.slots]) for d in model.drivers] == [
        ("drv", [("driver.pm", "my_pm")])]


def test_a_precompiled_prelude_that_goes_away_falls_back_to_text(monkeypatch):
    from pmlint.frontend import clang
    path = FIXTURES / "PM101_fires.c"
    expected = parse_source(str(path), path.read_bytes())
    monkeypatch.setattr(clang, "_PCH_AFTER", 0)
    monkeypatch.setattr(clang, "_pch_failed", False)
    pch = clang._precompiled(ParseOptions().macros, os.getpid())
    os.unlink(pch)   # as a clean-up of /tmp under a running process would
    assert parse_source(str(path), path.read_bytes()) == expected
    assert clang._pch_failed


def test_a_file_libclang_cannot_parse_keeps_the_precompiled_prelude(monkeypatch):
    from clang import cindex

    from pmlint.frontend import clang
    monkeypatch.setattr(clang, "_PCH_AFTER", 0)
    monkeypatch.setattr(clang, "_pch_failed", False)
    assert clang._precompiled(ParseOptions().macros, os.getpid()) is not None
    real = cindex.Index.parse

    def crashes_on_bad_c(index, path, *args, **kwargs):   # as libclang does on a file it crashes on
        if path.endswith("bad.c"):
            raise cindex.TranslationUnitLoadError("Error parsing translation unit.")
        return real(index, path, *args, **kwargs)
    monkeypatch.setattr(cindex.Index, "parse", crashes_on_bad_c)
    model = parse_source("bad.c", b"int x;\n")
    assert model.problems and "libclang could not parse" in model.problems[0].reason
    assert not clang._pch_failed
    assert "-include-pch" in clang._arguments(ParseOptions())[0]


def _drivers(model):
    return [(d.name, d.type, d.location.line, [(s.name, s.callback) for s in d.slots])
            for d in model.drivers]


# Driver objects nested in an initializer: a bus driver in a vendor's wrapper
# struct (in braces, by `.a.b =` designators, by position) and each element of
# an array of drivers, also of an array inside a wrapper.
_NESTED = {
    "wrapper": (["struct foo_priv { struct pci_driver pdrv; int n; };",
                 "static const struct dev_pm_ops p = { .freeze = f, .thaw = t, .restore = r };",
                 "static struct foo_priv a = {",
                 "\t.pdrv = { .name = \"a\", .suspend = as, .driver = { .pm = &p } },",
                 "};",
                 "static struct foo_priv b = { .pdrv.suspend = bs, .n = 1, .pdrv.driver.pm = &p };",
                 "static struct foo_priv c = { { \"c\", 0, 0, 0, 0, 0, c_suspend } };"],
                [("a.pdrv", "pci_driver", 4, [("suspend", "as"), ("driver.pm", "p")]),
                 ("b.pdrv", "pci_driver", 6, [("suspend", "bs"), ("driver.pm", "p")]),
                 ("c.pdrv", "pci_driver", 7, [("suspend", "c_suspend")])]),
    "arrays": (["struct foo_priv { int n; struct platform_driver pdrv[2]; };",
                "static struct platform_driver drivers[] = {",
                "\t{ .suspend = s0 },",
                "\t{ .driver.name = \"none\" },",
                "\t{ .resume = r2 },",
                "};",
                "static struct platform_driver *const ptrs[] = { &drivers[0], &drivers[2] };",
                "static struct foo_priv w = { .pdrv = { { .suspend = ws }, { .resume = wr } } };"],
               [("drivers[0]", "platform_driver", 3, [("suspend", "s0")]),
                ("drivers[2]", "platform_driver", 5, [("resume", "r2")]),
                ("w.pdrv[0]", "platform_driver", 8, [("suspend", "ws")]),
                ("w.pdrv[1]", "platform_driver", 8, [("resume", "wr")])]),
    # Designated indices name the element as written; a value after one is the next.
    "indices": (["enum { A, B };",
                 "static struct platform_driver d[] = {",
                 "\t[B] = { .suspend = bs },",
                 "\t[0] = { .resume = r0 },",
                 "\t{ .resume = r1 },",
                 "};"],
                [("d[B]", "platform_driver", 3, [("suspend", "bs")]),
                 ("d[0]", "platform_driver", 4, [("resume", "r0")]),
                 ("d[1]", "platform_driver", 5, [("resume", "r1")])]),
}


@pytest.mark.parametrize("case", sorted(_NESTED))
def test_a_nested_driver_is_an_object_of_its_own(case):
    lines, want = _NESTED[case]
    assert _drivers(_model("\n".join(lines) + "\n")) == want


def test_a_bus_driver_s_own_nested_structs_stay_its_members():
    # device_driver inside every bus driver, and a struct of common members
    # (mdio_driver's mdiodrv): their pm is the bus driver's.
    model = _model("struct mdio_driver_common { struct device_driver driver; int flags; };\n"
                   "struct mdio_driver { struct mdio_driver_common mdiodrv; void *probe; };\n"
                   "static const struct dev_pm_ops p = { .freeze = f, .thaw = t, .restore = r };\n"
                   "static struct mdio_driver m = { .mdiodrv.driver = { .name = \"m\", .pm = &p } };\n"
                   "static struct platform_driver d = { .driver = { .suspend = ds, .pm = &p } };\n")
    assert _drivers(model) == [("m", "mdio_driver", 4, [("mdiodrv.driver.pm", "p")]),
                               ("d", "platform_driver", 5, [("driver.pm", "p")])]


def test_a_driver_s_probe_is_its_member_or_what_the_file_passes_with_it():
    # .probe, i2c's .probe_new (6.1), and the probe platform_driver_probe()
    # and module_platform_driver_probe() take (their expansion is a body).
    model = _model("static const struct dev_pm_ops p = { .suspend = s, .resume = r };\n"
                   "static struct platform_driver a = { .probe = a_probe, .driver = { .pm = &p } };\n"
                   "static struct i2c_driver b = { .probe_new = b_probe, .driver = { .pm = &p } };\n"
                   "static struct platform_driver c = { .driver = { .pm = &p } };\n"
                   "static struct platform_driver d = { .driver = { .pm = &p } };\n"
                   "static struct platform_driver e = { .driver = { .pm = &p } };\n"
                   "/* platform_driver_probe(&e, not_e_probe) */\n"
                   "static int __init d_init(void) { return platform_driver_probe(&d, d_probe); }\n"
                   "module_platform_driver_probe(c, c_probe);\n")
    assert [(d.name, d.probe) for d in model.drivers] == [
        ("a", "a_probe"), ("b", "b_probe"), ("c", "c_probe"), ("d", "d_probe"), ("e", "")]
