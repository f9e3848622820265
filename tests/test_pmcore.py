"""PM401-PM404: the PM-core callers in every configuration of their #ifs, and what the messages say."""
from __future__ import annotations

import pytest

from pmlint import catalogue
from pmlint.rules.checks.tables import _condition
from pmlint.engine import evaluate
from pmlint.frontend import ParseOptions, parse_source

# A PM-core caller whose failed dpm_suspend_start() skips dpm_resume_end()
# only with CONFIG_A on and CONFIG_B off.
TWO_OPTIONS = """\
int enter(void)
{
	int error = 0;

#ifdef CONFIG_A
	error = dpm_suspend_start(PMSG_FREEZE);
	if (error)
#ifdef CONFIG_B
		goto resume;
#else
		goto out;
#endif
	error = take_image();
resume:
	dpm_resume_end(PMSG_RESTORE);
#endif
out:
	return error;
}
"""


def _findings(path, source: str, rule: str, **options):
    model = parse_source(str(path), source.encode(), ParseOptions(**options))
    return model, [f for f in evaluate(model, [catalogue.by_id()[rule]])]


@pytest.mark.parametrize("holds, text", [
    ([("CONFIG_A", "!CONFIG_B")], "CONFIG_A=y and CONFIG_B=n"),
    ([("CONFIG_A", "CONFIG_B"), ("CONFIG_A", "!CONFIG_B")], "CONFIG_A=y"),
    ([("CONFIG_A", "CONFIG_B"), ("!CONFIG_A", "!CONFIG_B")],
     "(CONFIG_A=y and CONFIG_B=y) or (CONFIG_A=n and CONFIG_B=n)"),
    ([("CONFIG_A", "CONFIG_B"), ("CONFIG_A", "!CONFIG_B"), ("!CONFIG_A", "CONFIG_B")],
     "CONFIG_A=y or CONFIG_B=y"),
    ([("CONFIG_A", "CONFIG_B"), ("CONFIG_A", "!CONFIG_B"), ("!CONFIG_A", "CONFIG_B"),
      ("!CONFIG_A", "!CONFIG_B")], ""),
])
def test_the_settings_a_finding_holds_in_are_named_by_the_fewest_options(holds, text):
    every = [("CONFIG_A", "CONFIG_B"), ("CONFIG_A", "!CONFIG_B"), ("!CONFIG_A", "CONFIG_B"),
             ("!CONFIG_A", "!CONFIG_B")]
    assert _condition(holds, every) == text


def test_a_setting_the_tree_cannot_build_is_not_among_those_named():
    # A needs B: no (A, !B), so "A on" alone says where it holds.
    every = [("CONFIG_A", "CONFIG_B"), ("!CONFIG_A", "CONFIG_B"), ("!CONFIG_A", "!CONFIG_B")]
    assert _condition([("CONFIG_A", "CONFIG_B")], every) == "CONFIG_A=y"


def test_every_setting_of_the_options_around_a_caller_is_parsed(tmp_path):
    model, findings = _findings(tmp_path / "core.c", TWO_OPTIONS, "PM401")
    assert model.varied == ("!CONFIG_A", "!CONFIG_B") and model.unvaried == ()
    assert sorted(v.setting for v in model.variants) == [
        ("!CONFIG_A", "CONFIG_B"), ("CONFIG_A", "!CONFIG_B"), ("CONFIG_A", "CONFIG_B")]
    (finding,) = findings
    assert finding.line == 6
    assert finding.message.startswith("in enter() with CONFIG_A=y and CONFIG_B=n: dpm_suspend_start()")


def test_past_the_bound_the_other_options_keep_the_value_given(tmp_path):
    model, findings = _findings(tmp_path / "core.c", TWO_OPTIONS, "PM401", vary=1)
    assert model.varied == ("!CONFIG_A",) and model.unvaried == ("CONFIG_B",)
    assert [v.setting for v in model.variants] == [("CONFIG_A",)]
    (finding,) = findings   # B off, as given
    assert finding.message.startswith(
        "in enter() with CONFIG_A=y (CONFIG_B as given: past the options varied): ")


def test_vary_0_is_the_configuration_given_only(tmp_path):
    model, findings = _findings(tmp_path / "core.c", TWO_OPTIONS, "PM401", vary=0)
    assert (model.varied, model.variants, findings) == ((), (), [])


def test_a_finding_in_every_setting_names_none(tmp_path):
    source = (TWO_OPTIONS.replace("#ifdef CONFIG_A\n", "").replace("#endif\nout:", "out:")
              .replace("goto resume", "goto out"))
    model, findings = _findings(tmp_path / "core.c", source, "PM401")
    assert model.varied == ("!CONFIG_B",) and len(model.variants) == 1
    assert len(findings) == 1 and findings[0].message.startswith("in enter(): ")


def test_the_tree_s_kconfig_decides_which_settings_exist(tmp_path):
    (tmp_path / "scripts" / "kconfig").mkdir(parents=True)
    (tmp_path / "Kconfig").write_text("config A\n\tbool \"a\"\n\tdepends on B\n\n"
                                      "config B\n\tbool \"b\"\n\n"
                                      "config CORE\n\tbool \"core\"\n")
    (tmp_path / "kernel").mkdir()
    (tmp_path / "kernel" / "Makefile").write_text("obj-$(CONFIG_CORE) += core.o\n")
    source = TWO_OPTIONS.replace("#ifdef CONFIG_B", "#if defined(CONFIG_B) && !defined(CONFIG_CORE)")
    model, findings = _findings(tmp_path / "kernel" / "core.c", source, "PM401")
    # CORE builds the file: never off, so never varied off; A needs B.
    assert model.varied == ("!CONFIG_A", "!CONFIG_B", "!CONFIG_CORE")
    assert sorted(v.setting for v in model.variants) == [
        ("!CONFIG_A", "!CONFIG_B", "CONFIG_CORE"), ("!CONFIG_A", "CONFIG_B", "CONFIG_CORE"),
        ("CONFIG_A", "CONFIG_B", "CONFIG_CORE")]
    (finding,) = findings   # A on means B on: then with CORE, `goto out`
    assert finding.message.startswith("in enter() with CONFIG_A=y: ")


def test_pm404_names_the_failing_call(tmp_path):
    source = """\
struct info { int cancelled; };
static void save(void)
{
	struct info si;
	int err = dpm_suspend_start(PMSG_FREEZE);

	if (err)
		goto end;
	si.cancelled = 1;
	hv_save(&si);
end:
	dpm_resume_end(si.cancelled ? PMSG_THAW : PMSG_RESTORE);
}
"""
    _, findings = _findings(tmp_path / "save.c", source, "PM404")
    (finding,) = findings
    assert finding.line == 12
    assert finding.message == (
        "in save(): dpm_resume_end() at line 12 gets a message chosen by si.cancelled, which is "
        "not set when dpm_suspend_start() at line 5 fails (path through lines 5 -> 7 -> 12)")


@pytest.mark.parametrize("setting", [
    "struct info si = { 0 };",
    "struct info si;\n\tmemset(&si, 0, sizeof(si));",
    "struct info si;\n\tsi.cancelled = 0;",
    "static struct info si;",
])
def test_pm404_a_member_set_before_the_steps_is_defined(tmp_path, setting):
    source = f"""\
struct info {{ int cancelled; }};
static void save(void)
{{
	{setting}
	int err = dpm_suspend_start(PMSG_FREEZE);

	if (!err)
		hv_save(&si);
	dpm_resume_end(si.cancelled ? PMSG_THAW : PMSG_RESTORE);
}}
"""
    assert _findings(tmp_path / "save.c", source, "PM404")[1] == []
