"""PM2xx / PM3xx: what the messages say, and findings that depend on the configuration."""
from __future__ import annotations

import pytest

from pmlint import catalogue
from pmlint.engine import evaluate
from pmlint.parse import ParseOptions, parse_source
from pmlint.runner import analyse_source


def _messages(src: str, rule: str, **kw) -> list[str]:
    model = parse_source("drv.c", src.encode(), ParseOptions(**kw))
    return [f.message for f in evaluate(model, [catalogue.by_id()[rule]])]


def test_pm201_names_the_wrapper_and_the_replacement():
    (msg,) = _messages("#define FOO_PM SET_RUNTIME_PM_OPS(a, b, NULL)\n"
                       "static const struct dev_pm_ops t = { FOO_PM };\n", "PM201")
    assert "deprecated SET_RUNTIME_PM_OPS (through FOO_PM): use RUNTIME_PM_OPS," in msg


def test_pm201_a_table_macro_stands_for_the_members_it_sets():
    (msg,) = _messages("static UNIVERSAL_DEV_PM_OPS(t, a, b, NULL);\n", "PM201")
    assert "deprecated UNIVERSAL_DEV_PM_OPS: use DEFINE_RUNTIME_DEV_PM_OPS" in msg
    assert "SET_" not in msg


@pytest.mark.parametrize("table, wrapper", [
    ("static DEFINE_SIMPLE_DEV_PM_OPS(t, a, b);", "pm_sleep_ptr"),
    ("static DEFINE_RUNTIME_DEV_PM_OPS(t, a, b, NULL);", "pm_ptr"),
])
def test_pm203_suggests_the_wrapper_the_table_needs(table, wrapper):
    driver = "static struct platform_driver d = { .driver.pm = &t };"
    (msg,) = _messages(f"{table}\n{driver}\n", "PM203")
    assert msg.endswith(f"use {wrapper}(&t)")


@pytest.mark.parametrize("table", [
    "static const struct dev_pm_ops t = { .suspend = a, .resume = pm_generic_resume };",
    # pm_sleep_ptr() drops a, but the compiler still needs it declared.
    "static DEFINE_SIMPLE_DEV_PM_OPS(t, a, NULL);",
])
def test_pm301_finds_a_pm_sleep_guard_the_table_does_not_share(table):
    src = "#ifdef CONFIG_PM_SLEEP\nstatic int a(struct device *d) { return 0; }\n#endif\n" + table
    assert _messages(src, "PM301") == []
    (msg,) = _messages(src, "PM301", config=("CONFIG_PM",))
    assert msg.startswith("'t' names a(), which the file defines only under")


def test_pm303_sees_a_driver_with_only_legacy_callbacks():
    src = (b"static int s(struct platform_device *p, pm_message_t m) { return 0; }\n"
           b"static struct platform_driver d = { .suspend = s };\n")
    model = analyse_source("drv.c", src, ParseOptions())
    assert evaluate(model, [catalogue.by_id()["PM303"]])
