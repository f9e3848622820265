"""A driver's own options, both ways (pmlint.pipeline.optionscan, pmlint.pipeline.outcomes)."""
from __future__ import annotations

from pmlint.pipeline import optionscan
from pmlint.pipeline.optionscan import Setting
from pmlint.pipeline.outcomes import _options
from pmlint.frontend import DEFAULT_CONFIG, ParseOptions

SOURCE = b"""
#ifdef CONFIG_PM_SLEEP
static const struct dev_pm_ops a_pm_ops = { .suspend = a_suspend };
#endif
#if IS_ENABLED(CONFIG_FOO_PM) && !defined(CONFIG_FOO_OLD)
static const struct dev_pm_ops b_pm_ops = { .suspend = b_suspend };
#endif
#ifdef CONFIG_FOO_DEBUG
static int foo_debug;
#endif
static struct platform_driver foo_driver = {
	.driver = { .pm = IS_ENABLED(CONFIG_FOO_BAR) ? &b_pm_ops : NULL },
};
"""


def test_the_options_named_around_and_inside_pm_code_less_the_pm_cores():
    assert list(optionscan.named(SOURCE, None)) == ["CONFIG_FOO_PM", "CONFIG_FOO_OLD",
                                                   "CONFIG_FOO_BAR"]


def test_two_options_both_ways_the_third_past_the_bound():
    found = optionscan.settings("-", SOURCE, ParseOptions(), None, in_tree=False)
    assert [s.shown for s in found.settings] == [
        ("!CONFIG_FOO_PM", "!CONFIG_FOO_OLD"), ("!CONFIG_FOO_PM", "CONFIG_FOO_OLD"),
        ("CONFIG_FOO_PM", "!CONFIG_FOO_OLD"), ("CONFIG_FOO_PM", "CONFIG_FOO_OLD")]
    assert found.settings[0].config == DEFAULT_CONFIG
    assert found.settings[2].config == (*DEFAULT_CONFIG, "CONFIG_FOO_PM")
    assert found.cut == ("CONFIG_FOO_BAR",) and found.cut_line == 12


def test_options_the_user_set_are_not_varied():
    options = ParseOptions(pinned=("CONFIG_FOO_PM", "CONFIG_FOO_OLD"))
    found = optionscan.settings("-", SOURCE, options, None, in_tree=False)
    assert [s.shown for s in found.settings] == [("!CONFIG_FOO_BAR",), ("CONFIG_FOO_BAR",)]
    assert not found.cut


def test_where_a_finding_holds_in_few_words():
    settings = [Setting(shown, ()) for shown in
                (("!A", "!B"), ("!A", "B"), ("A", "!B"), ("A", "B"))]
    assert _options(settings, [2, 3]) == "A=y"
    assert _options(settings, [0]) == "A=n and B=n"
    assert _options(settings, [1, 2, 3]) == "A=y or B=y"
    assert _options(settings, [1, 2]) == "A=n and B=y or A=y and B=n"
