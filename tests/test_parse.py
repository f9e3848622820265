"""The parser's model of real driver shapes, without kernel headers."""
from __future__ import annotations

from expectations import FIXTURES
from pmlint.parse import ParseOptions, parse_source
from pmlint.runner import analyse_source


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
