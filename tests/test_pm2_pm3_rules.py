"""PM2xx / PM3xx: what the messages say, and findings that depend on the configuration."""
from __future__ import annotations

import pytest

from pmlint import catalogue
from pmlint.engine import evaluate
from pmlint.frontend import ParseOptions, parse_source
from pmlint.pipeline.runner import analyse_source


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


def test_switching_pm_sleep_off_takes_what_needs_it():
    from pmlint.kernel.kconfig import switched_off
    left = switched_off(("CONFIG_PM", "CONFIG_PM_SLEEP", "CONFIG_SUSPEND", "CONFIG_HIBERNATION",
                         "CONFIG_PM_GENERIC_DOMAINS_SLEEP", "CONFIG_ACPI"), "CONFIG_PM_SLEEP")
    assert left == ("CONFIG_PM", "CONFIG_ACPI")
    assert switched_off(("CONFIG_PM", "CONFIG_PM_SLEEP", "CONFIG_PM_CLK"), "CONFIG_PM") == ()


@pytest.mark.parametrize("text, compared", [
    # pm_sleep_ptr() references `a` in every configuration: nothing to compare.
    ("{}", []),
    # Only the facts of the options given, to prove __maybe_unused redundant.
    ("static int __maybe_unused b(struct device *d) {{ return 0; }}\n{}", [""]),
    # A guard on CONFIG_PM_SLEEP: CONFIG_PM off compiles as CONFIG_PM_SLEEP off does.
    ("#ifdef CONFIG_PM_SLEEP\n{}#endif\n", ["", "CONFIG_PM_SLEEP"]),
    # A guard on CONFIG_PM: CONFIG_PM_SLEEP off changes nothing.
    ("#ifdef CONFIG_PM\n{}#endif\n", ["", "CONFIG_PM"]),
    # No guard, and nothing goes unused without CONFIG_PM: no need to parse the options given.
    ("{}static const struct dev_pm_ops u = {{ SET_RUNTIME_PM_OPS(a, a, NULL) }};\n", ["CONFIG_PM"]),
])
def test_a_file_is_parsed_again_only_where_an_option_changes_it(text, compared):
    plain = ("static int a(struct device *d) { return 0; }\n"
             "static DEFINE_SIMPLE_DEV_PM_OPS(t, a, a);\n")
    model = parse_source("drv.c", text.format(plain).encode())
    assert [c.off for c in model.configurations] == compared


def test_pm205_names_the_first_option_that_breaks_the_file():
    src = ("static int a(struct device *d) { return 0; }\n"
           "static const struct dev_pm_ops t = { SET_SYSTEM_SLEEP_PM_OPS(a, a) };\n")
    (msg,) = _messages(src, "PM205")
    assert msg.startswith("'a' is defined but not used when CONFIG_PM_SLEEP is off")
    # Already off in the configuration given: nothing to compare for PM_SLEEP, and PM adds nothing.
    assert _messages(src, "PM205", config=("CONFIG_PM",)) == []


def test_pm206_judges_the_branch_that_holds_the_member():
    def table(first, second):
        return ("static int a(struct device *d) { return 0; }\n"
                "static const struct dev_pm_ops t = {\n"
                f"#ifdef CONFIG_HIBERNATION\n{first}\n#else\n{second}\n#endif\n}};\n")
    hibernation = ".freeze = a, .thaw = a, .restore = a,"
    (msg,) = _messages(table(hibernation, ".suspend = a,"), "PM206")
    assert msg.startswith("'t' has .freeze, .thaw and .restore only under '#ifdef CONFIG_HIBERNATION'")
    # In the #else branch the members are there exactly when HIBERNATION is off.
    assert _messages(table(".poweroff = a,", hibernation), "PM206",
                     config=("CONFIG_PM", "CONFIG_PM_SLEEP")) == []


def test_other_configurations_are_parsed_only_for_the_rules_that_compare_them():
    from expectations import FIXTURES
    from pmlint.pipeline.runner import analyse
    path = str(FIXTURES / "PM205_fires.c")
    rules = catalogue.by_id()
    (without,) = analyse([path], ParseOptions(), [rules["PM201"]], jobs=1)
    (with_,) = analyse([path], ParseOptions(), [rules["PM205"]], jobs=1)
    assert without.model.configurations == () and with_.model.configurations


def test_pm205_skips_configurations_the_tree_never_builds_the_file_in(tmp_path):
    (tmp_path / "scripts" / "kconfig").mkdir(parents=True)
    (tmp_path / "Kconfig").write_text('source "drivers/Kconfig"\n')
    drivers = tmp_path / "drivers"
    drivers.mkdir()
    (drivers / "Makefile").write_text("obj-$(CONFIG_FOO) += foo.o\n")
    (drivers / "Kconfig").write_text("config FOO\n\ttristate \"foo\"\n\tdepends on OF && PM\n")
    src = ("static int a(struct device *d) { return 0; }\n"
           "static const struct dev_pm_ops t = { SET_RUNTIME_PM_OPS(a, a, NULL) };\n")
    (drivers / "foo.c").write_text(src)
    rule = [catalogue.by_id()["PM205"]]
    from pmlint.pipeline.inputs import file_options

    def found(path: str) -> list:
        return evaluate(parse_source(path, src.encode(), file_options(path, ParseOptions())), rule)

    assert found("elsewhere/foo.c")
    assert found(str(drivers / "foo.c")) == []
    assert file_options(str(drivers / "foo.c"), ParseOptions()).needed == ("CONFIG_FOO", "CONFIG_OF",
                                                                           "CONFIG_PM")
    # The parser reads no file of the tree: what it is told decides.
    assert evaluate(parse_source(str(drivers / "foo.c"), src.encode()), rule)
