"""Build flags as users have them: -D and -U take any macro, as cc does."""
from __future__ import annotations

import re

import pytest

from expectations import FIXTURES, assert_matches, expected_slots
from fixture_results import FLAGGED, flagged_json, flags_of, of_json
from lintrun import DRIVER, lint
from pmlint.kernel.kconfig import KconfigError, resolve
from pmlint.frontend import DEFAULT_CONFIG


def results(path, *flags):
    return _summary(flagged_json(path, *flags))


def _summary(doc):
    found = sorted((f["line"], f["rule"]) for f in doc["findings"])
    notes = sorted((n["line"], f["rule"]) for f in doc["findings"] for n in f.get("notes", ()))
    slots = {t["line"]: t["slots"] for t in doc["tables"]}
    return found, notes, slots


@pytest.mark.parametrize("path", FLAGGED, ids=[p.name for p in FLAGGED])
def test_flag_fixtures_hold_under_their_flags(path):
    doc = flagged_json(path, *flags_of(path))
    assert_matches(path, of_json(doc).get(str(path), []))
    found, notes, slots = _summary(doc)
    for line, want in expected_slots(path).items():
        assert slots.get(line) == want, f"table on line {line}"
    # The flags are what makes the difference: without them the file reads otherwise.
    assert results(path) != (found, notes, slots)


def test_a_flag_value_counts():
    path = FIXTURES / "flags" / "own_option_fires.c"
    _, _, level2 = results(path, "-D", "FOO_PM", "-D", "FOO_PM_LEVEL=2")
    _, _, level1 = results(path, "-DFOO_PM", "-DFOO_PM_LEVEL=1")
    assert len(level2) == 2 and len(level1) == 1


def test_define_takes_any_macro_as_written():
    config, notes = resolve((), [("-D", "FOO_PM"), ("-D", "LEVEL=2"), ("-D", "EMPTY="),
                                 ("-D", "ATTR(x)=x __attribute__((unused))")])
    assert config == ("FOO_PM", "LEVEL=2", "EMPTY=", "ATTR(x)=x __attribute__((unused))")
    assert notes == []


def test_define_and_undefine_apply_in_order_and_the_last_definition_wins():
    assert resolve(("CONFIG_X",), [("-U", "CONFIG_X"), ("-D", "CONFIG_X")])[0] == ("CONFIG_X",)
    assert resolve(("CONFIG_X",), [("-D", "CONFIG_X"), ("-U", "CONFIG_X")])[0] == ()
    assert resolve(("A=1",), [("-D", "A=2")])[0] == ("A=2",)
    # -U of a macro that is not CONFIG_ takes only that macro, as cc.
    assert resolve(("FOO", "FOO_MODULE"), [("-U", "FOO")])[0] == ("FOO_MODULE",)


def test_undefining_an_option_switches_off_what_needs_it():
    config, notes = resolve(DEFAULT_CONFIG, [("-U", "CONFIG_PM")])
    assert config == ("CONFIG_XEN",)
    assert notes == ["-U CONFIG_PM also switches off CONFIG_PM_SLEEP, CONFIG_SUSPEND, "
                     "CONFIG_HIBERNATION, CONFIG_HIBERNATE_CALLBACKS, CONFIG_PM_CLK, "
                     "CONFIG_PM_GENERIC_DOMAINS, CONFIG_PM_GENERIC_DOMAINS_SLEEP, which cannot "
                     "be on without it"]
    config, _ = resolve(DEFAULT_CONFIG, [("-U", "CONFIG_PM_SLEEP")])
    assert config == ("CONFIG_PM", "CONFIG_PM_CLK", "CONFIG_PM_GENERIC_DOMAINS", "CONFIG_XEN")
    # A .config's =m form goes with its option.
    assert resolve(("CONFIG_FOO_MODULE", "CONFIG_BAR"), [("-U", "CONFIG_FOO")])[0] == ("CONFIG_BAR",)


def test_notes_for_what_looks_like_a_mistake():
    _, notes = resolve(DEFAULT_CONFIG, [("-D", "PM_SLEEP")])
    assert notes == ["-D PM_SLEEP is the macro PM_SLEEP, not the Kconfig option CONFIG_PM_SLEEP "
                     "(write -D CONFIG_PM_SLEEP for that)"]
    _, notes = resolve(DEFAULT_CONFIG, [("-U", "CONFIG_PM"), ("-D", "CONFIG_SUSPEND")])
    assert notes[-1] == ("-D CONFIG_SUSPEND needs CONFIG_PM and CONFIG_PM_SLEEP, which are off: "
                         "a configuration no kernel has")


@pytest.mark.parametrize("flag, text, message", [
    ("-D", "1FOO", "macro names must be identifiers"),
    ("-D", "", "macro names must be identifiers"),
    ("-D", "=1", "macro names must be identifiers"),
    ("-D", "A-B", "macro names must be identifiers"),
    ("-U", "FOO=1", "macro names must be identifiers"),
    ("-U", "F(x)", "macro names must be identifiers"),
    ("-D", "FOO=a\nb", "a macro cannot hold a line break"),
])
def test_a_bad_macro_is_an_error(flag, text, message):
    with pytest.raises(KconfigError, match=re.escape(message)):
        resolve((), [(flag, text)])


def test_on_the_command_line(tmp_path):
    (tmp_path / "own.c").write_bytes(b"#ifdef FOO_PM\n" + DRIVER + b"#endif\n")
    assert lint(tmp_path, "own.c").code == 0          # FOO_PM is off: the table is not compiled
    on = lint(tmp_path, "-D", "FOO_PM", "own.c")
    assert on.code == 1 and "[PM101]" in on.stdout.decode()
    assert lint(tmp_path, "--define", "FOO_PM", "own.c").code == 1
    assert lint(tmp_path, "-D", "CONFIG_FOO_PM", "own.c").code == 0   # never the same macro
    assert lint(tmp_path, "-D", "FOO_PM", "-U", "FOO_PM", "own.c").code == 0
    shown = lint(tmp_path, "show", "-D", "FOO_PM", "own.c")
    assert shown.code == 0 and "foo_pm_ops" in shown.stdout.decode()
    bad = lint(tmp_path, "-D", "2FOO", "own.c")
    assert (bad.code, bad.stdout) == (2, b"")
    assert "pmlint: error: -D '2FOO': macro names must be identifiers" in bad.stderr
    note = lint(tmp_path, "-D", "PM_SLEEP", "own.c")
    assert "pmlint: note: -D PM_SLEEP is the macro PM_SLEEP" in note.stderr
    assert "note:" not in lint(tmp_path, "-q", "-D", "PM_SLEEP", "own.c").stderr


def test_undefine_after_a_kconfig(tmp_path):
    (tmp_path / "own.c").write_bytes(b"#ifdef CONFIG_PM_SLEEP\n" + DRIVER + b"#endif\n")
    (tmp_path / ".config").write_text("CONFIG_PM=y\nCONFIG_PM_SLEEP=y\nCONFIG_SUSPEND=y\n")
    assert lint(tmp_path, "--kconfig", ".config", "own.c").code == 1
    off = lint(tmp_path, "--kconfig", ".config", "-U", "CONFIG_PM", "own.c")
    assert off.code == 0, off.stdout


def test_own_options_are_varied_unless_pinned_or_switched_off():
    path = FIXTURES / "PM101_fires_own_option.c"
    found, notes, _ = results(path)
    assert found == [(25, "PM101")] and (25, "PM101") in notes   # "holds with CONFIG_FOO_PM=y only"
    # Pinned on: the finding holds in the one configuration analysed, no note of options.
    doc = flagged_json(path, "-D", "CONFIG_FOO_PM")
    assert [f["rule"] for f in doc["findings"]] == ["PM101"]
    assert not any("CONFIG_FOO_PM=y" in n["message"] for f in doc["findings"]
                   for n in f.get("notes", ()))
    assert results(path, "--no-vary-options") == ([], [], {})
    assert results(path, "-U", "CONFIG_FOO_PM") == ([], [], {})
