"""The machine-read output formats: SARIF, GitHub commands, checkpatch, Code Quality."""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from expectations import FIXTURES
from lintrun import pmlint
from pmlint import __version__, catalogue
from pmlint.formatters import render, sarif
from pmlint.model import Finding, Note
from pmlint.report import Report

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "sarif-schema-2.1.0.json"
FORMATS = ("sarif", "github", "checkpatch", "codeclimate")

# A path and a message holding everything the formats must escape.
AWKWARD = Finding("drivers/a b/ü,x:y.c", 3, 5, "PM101", "error", "foo_pm_ops",
                  "100% stuck\nsecond line, with: colon\r")
PLAIN = Finding("drivers/b.c", 2, 1, "PM103", "warning", "bar_pm_ops", "'bar_pm_ops' sets .suspend")
NOTE = Finding("drivers/b.c", 4, 8, "PM106", "note", "baz_pm_ops", "'baz_pm_ops' shares callbacks")
SOURCE = ("/* b.c */", "static const struct dev_pm_ops bar_pm_ops = {", "};",
          "static const struct dev_pm_ops baz_pm_ops = {")


def make_report(*findings, **kwargs) -> Report:
    return Report(findings=list(findings), **kwargs)


def run(*args):
    return pmlint(*args)


@cache
def fixture_findings() -> list[dict]:
    return json.loads(run("--format", "json", FIXTURES).stdout)["findings"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_input_gives_the_same_bytes(fmt):
    def build():
        return make_report(PLAIN, AWKWARD, NOTE, sources={"drivers/b.c": SOURCE}, files=2,
                           errors=[{"path": "gone.c", "message": "no such file or directory"}])
    assert render(fmt, build()) == render(fmt, build())


@pytest.mark.parametrize("fmt", FORMATS)
def test_end_to_end_output_is_stable(fmt):
    first = run("--format", fmt, FIXTURES)
    assert first.returncode == 1 and first.stdout
    assert run("--format", fmt, FIXTURES).stdout == first.stdout


# --- SARIF -------------------------------------------------------------------

def validate_sarif(text: str) -> dict:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA} (shared/ is beside the checkout)")
    doc = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    return doc


def test_sarif_describes_every_rule():
    rules = catalogue.rules()
    assert len(rules) <= 1000  # GitHub code scanning's limit per run
    run_ = validate_sarif(render("sarif", make_report()))["runs"][0]
    driver = run_["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("pmlint", __version__)
    assert [r["id"] for r in driver["rules"]] == [r.id for r in rules]
    for described, rule in zip(driver["rules"], rules):
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["help"] == {"text": rule.explain(), "markdown": rule.explain()}
        assert described["defaultConfiguration"]["level"] == rule.severity
        assert described["properties"]["tags"]
    assert run_["results"] == []
    assert run_["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_sarif_results_locations_and_fingerprints():
    absolute = Finding("/tmp/x y/é.c", 7, 2, "PM103", "warning", "s", "m")
    doc = validate_sarif(render("sarif", make_report(AWKWARD, absolute, NOTE)))
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    results = doc["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note"]
    for result, finding in zip(results, (AWKWARD, absolute, NOTE)):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.rule
        assert result["message"]["text"] == finding.message
        assert result["partialFingerprints"] == {"pmlintFingerprint/v1": finding.fingerprint}
    relative, absolute_loc = (r["locations"][0]["physicalLocation"] for r in results[:2])
    assert relative == {"artifactLocation": {"uri": "drivers/a%20b/%C3%BC%2Cx%3Ay.c",
                                             "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 3, "startColumn": 5}}
    assert absolute_loc["artifactLocation"] == {"uri": "file:///tmp/x%20y/%C3%A9.c"}


def test_sarif_caps_results_keeping_the_most_severe(monkeypatch):
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    doc = validate_sarif(render("sarif", make_report(PLAIN, AWKWARD, NOTE)))
    kept = [(r["ruleId"], r["level"]) for r in doc["runs"][0]["results"]]
    assert kept == [("PM103", "warning"), ("PM101", "error")]  # report order, note dropped
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["warning"] and "3 results" in notes[0]["message"]["text"]


def test_sarif_shortens_long_messages():
    long = Finding("a.c", 1, 1, "PM000", "error", "a.c", "x" * 5000)
    result = validate_sarif(render("sarif", make_report(long)))["runs"][0]["results"][0]
    text = result["message"]["text"]
    assert len(text) == sarif.MAX_MESSAGE and text.endswith("…")


def test_sarif_reports_usage_errors_as_notifications():
    report = make_report(errors=[{"path": "gone.c", "message": "no such file or directory"}])
    invocation = validate_sarif(render("sarif", report))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {"level": "error", "message": {"text": "gone.c: no such file or directory"}}]


def test_sarif_end_to_end_validates():
    doc = validate_sarif(run("--format", "sarif", FIXTURES).stdout)
    results = doc["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results] == [(f["rule"], f["line"]) for f in fixture_findings()]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               .startswith("file:///") for r in results)  # the fixtures were named absolutely


# --- GitHub workflow commands ------------------------------------------------

COMMAND = re.compile(r"::(?P<kind>\w+) (?P<props>[^:]*)::(?P<data>.*)")


def unescape(text: str) -> str:
    # As the runner does: %25 last, so that an escaped "%0A" stays literal.
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def parse_commands(text: str) -> list[tuple[str, dict, str]]:
    commands = []
    for line in text.splitlines():
        m = COMMAND.fullmatch(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m["props"].split(","))
        commands.append((m["kind"], {k: unescape(v) for k, v in props.items()}, unescape(m["data"])))
    return commands


def test_github_commands_round_trip():
    out = render("github", make_report(AWKWARD, PLAIN, NOTE))
    assert out.count("\n") == 3  # one command a finding, newlines in data escaped
    names = catalogue.by_id()
    parsed = parse_commands(out)
    assert [kind for kind, _, _ in parsed] == ["error", "warning", "notice"]
    for (_, props, message), f in zip(parsed, (AWKWARD, PLAIN, NOTE)):
        assert props == {"file": f.path, "line": str(f.line), "col": str(f.column),
                         "title": f"{f.rule} {names[f.rule].name}"}
        assert message == f.message


def note_lines(f: dict) -> list[str]:
    """The evidence of a finding of --format json, as github and checkpatch print it."""
    return [f"note: {n['path']}:{n['line']}: {n['message']}" for n in f.get("notes", ())]


def test_github_end_to_end_parses_back():
    parsed = parse_commands(run("--format", "github", FIXTURES).stdout)
    findings = fixture_findings()
    assert any(f.get("notes") for f in findings)   # the evidence is part of the message
    assert [(p["file"], int(p["line"]), int(p["col"]), m) for _, p, m in parsed] == [
        (f["path"], f["line"], f["column"], "\n".join([f["message"], *note_lines(f)]))
        for f in findings]


# --- evidence notes -----------------------------------------------------------

NOTED = Finding("drivers/c.c", 9, 32, "PM101", "error", "foo_pm_ops", "'foo_pm_ops' sets .freeze",
                notes=(Note("drivers/c.c", 3, 2, "foo_freeze() calls free_irq(): down"),
                       Note("drivers/c.c", 4, 2, "foo_freeze() calls napi_disable(): down")))


def test_notes_follow_their_finding_in_every_text_format():
    assert render("text", make_report(NOTED)).splitlines() == [
        "drivers/c.c:9:32: error: 'foo_pm_ops' sets .freeze [PM101]",
        "drivers/c.c:3:2: note: foo_freeze() calls free_irq(): down",
        "drivers/c.c:4:2: note: foo_freeze() calls napi_disable(): down"]
    [(kind, props, message)] = parse_commands(render("github", make_report(NOTED)))
    assert (kind, props["line"], message) == ("error", "9", "\n".join([
        "'foo_pm_ops' sets .freeze",
        "note: drivers/c.c:3: foo_freeze() calls free_irq(): down",
        "note: drivers/c.c:4: foo_freeze() calls napi_disable(): down"]))
    source = tuple(f"line {i}" for i in range(1, 10))
    checkpatch = render("checkpatch", make_report(NOTED, sources={"drivers/c.c": source}, files=1))
    assert checkpatch.splitlines()[:5] == [
        "ERROR:PM101: 'foo_pm_ops' sets .freeze",
        "  note: drivers/c.c:3: foo_freeze() calls free_irq(): down",
        "  note: drivers/c.c:4: foo_freeze() calls napi_disable(): down",
        "#9: FILE: drivers/c.c:9:", "+line 9"]
    terse = render("checkpatch", make_report(NOTED, sources={"drivers/c.c": source}, files=1,
                                            format_options={"terse": True}))
    assert terse.splitlines()[0] == "drivers/c.c:9: ERROR:PM101: 'foo_pm_ops' sets .freeze"
    assert "note:" not in terse   # --terse: one line a finding


# --- checkpatch ---------------------------------------------------------------

def test_checkpatch_blocks_summary_and_trailer():
    report = make_report(PLAIN, sources={"drivers/b.c": SOURCE}, files=1)
    assert render("checkpatch", report).splitlines() == [
        "WARNING:PM103: 'bar_pm_ops' sets .suspend",
        "#2: FILE: drivers/b.c:2:",
        "+static const struct dev_pm_ops bar_pm_ops = {",
        "",
        "total: 0 errors, 1 warnings, 4 lines checked",
        "",
        "drivers/b.c has style problems, please review.",
    ]


def test_checkpatch_several_files_notes_and_missing_source():
    error = Finding("drivers/a.c", 3, 5, "PM101", "error", "foo_pm_ops", "'foo_pm_ops' sets .freeze")
    report = make_report(error, PLAIN, NOTE, sources={"drivers/b.c": SOURCE}, files=3)
    assert render("checkpatch", report).splitlines() == [
        "-----------", "drivers/a.c", "-----------",
        "ERROR:PM101: 'foo_pm_ops' sets .freeze",
        "#3: FILE: drivers/a.c:3:",  # no source text for this file: no "+" line
        "",
        "total: 1 errors, 0 warnings, 0 checks, 0 lines checked",
        "",
        "drivers/a.c has style problems, please review.",
        "-----------", "drivers/b.c", "-----------",
        "WARNING:PM103: 'bar_pm_ops' sets .suspend",
        "#2: FILE: drivers/b.c:2:",
        "+static const struct dev_pm_ops bar_pm_ops = {",
        "",
        "CHECK:PM106: 'baz_pm_ops' shares callbacks",
        "#4: FILE: drivers/b.c:4:",
        "+static const struct dev_pm_ops baz_pm_ops = {",
        "",
        "total: 0 errors, 1 warnings, 1 checks, 4 lines checked",
        "",
        "drivers/b.c has style problems, please review.",
    ]


def test_checkpatch_terse_and_showfile():
    def out(**options):
        return render("checkpatch", make_report(PLAIN, NOTE, sources={"drivers/b.c": SOURCE},
                                                files=2, format_options=options)).splitlines()
    assert out(terse=True) == [
        "drivers/b.c:2: WARNING:PM103: 'bar_pm_ops' sets .suspend",
        "drivers/b.c:4: CHECK:PM106: 'baz_pm_ops' shares callbacks",
        "total: 0 errors, 1 warnings, 1 checks, 4 lines checked",
    ]
    assert out(terse=True, showfile=True) == out(terse=True)
    assert out(showfile=True) == [
        "-----------", "drivers/b.c", "-----------",
        "drivers/b.c:2: WARNING:PM103: 'bar_pm_ops' sets .suspend",
        "+static const struct dev_pm_ops bar_pm_ops = {",
        "",
        "drivers/b.c:4: CHECK:PM106: 'baz_pm_ops' shares callbacks",
        "+static const struct dev_pm_ops baz_pm_ops = {",
        "",
        "total: 0 errors, 1 warnings, 1 checks, 4 lines checked",
        "",
        "drivers/b.c has style problems, please review.",
    ]


def test_checkpatch_clean_run():
    clean = "total: 0 errors, 0 warnings, 0 lines checked\n"
    assert render("checkpatch", make_report(files=5)) == clean
    assert render("checkpatch", make_report(files=5, format_options={"terse": True})) == ""


def source_line(path: str, line: int) -> str:
    return "+" + Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[line - 1]


def heads(findings: list[dict]) -> list[str]:
    level = {"error": "ERROR", "warning": "WARNING", "note": "CHECK"}
    return [f"{f['path']}:{f['line']}: {level[f['severity']]}:{f['rule']}: {f['message']}"
            for f in findings]


def test_checkpatch_end_to_end_terse_and_showfile():
    findings = fixture_findings()
    terse = run("--format", "checkpatch", "--terse", FIXTURES).stdout.splitlines()
    assert [line for line in terse if not line.startswith("total: ")] == heads(findings)
    assert len([line for line in terse if line.startswith("total: ")]) == \
        len({f["path"] for f in findings})

    showfile = run("--format", "checkpatch", "--showfile", FIXTURES).stdout.splitlines()
    for head, f in zip(heads(findings), findings):
        at = showfile.index(head)
        notes = ["  " + line for line in note_lines(f)]
        assert showfile[at + 1:at + 3 + len(notes)] == [
            *notes, source_line(f["path"], f["line"]), ""]


def test_checkpatch_end_to_end_blocks():
    findings = fixture_findings()
    out = run("--format", "checkpatch", FIXTURES).stdout.splitlines()
    blocks = [i for i, line in enumerate(out) if re.match(r"(ERROR|WARNING|CHECK):PM\d+: ", line)]
    assert len(blocks) == len(findings)
    assert any(f.get("notes") for f in findings)
    for at, f in zip(blocks, findings):
        assert out[at].endswith(f"{f['rule']}: {f['message']}")
        notes = ["  " + line for line in note_lines(f)]   # the evidence, after the head line
        assert out[at + 1:at + 4 + len(notes)] == [
            *notes, f"#{f['line']}: FILE: {f['path']}:{f['line']}:",
            source_line(f["path"], f["line"]), ""]
    # A note-level finding anywhere (PM101_fires.c's corge_pm_ops) makes the run
    # checkpatch --strict: every file's summary then counts CHECKs.
    strict = any(f["severity"] == "note" for f in findings)
    for path in {f["path"] for f in findings}:
        errors = sum(f["severity"] == "error" for f in findings if f["path"] == path)
        warnings = sum(f["severity"] == "warning" for f in findings if f["path"] == path)
        checks = sum(f["severity"] == "note" for f in findings if f["path"] == path)
        checks = f"{checks} checks, " if strict else ""
        lines = len(Path(path).read_text(encoding="utf-8").splitlines())
        trailer = out.index(f"{path} has style problems, please review.")
        assert out[trailer - 2:trailer] == [
            f"total: {errors} errors, {warnings} warnings, {checks}{lines} lines checked", ""]
        assert out[out.index(path) - 1] == "-" * len(path)


# --- GitLab Code Quality -----------------------------------------------------

def test_codeclimate_issues():
    issues = json.loads(render("codeclimate", make_report(AWKWARD, PLAIN, NOTE)))
    assert [i["severity"] for i in issues] == ["major", "minor", "info"]
    assert issues[0] == {
        "type": "issue", "check_name": "PM101", "description": AWKWARD.message,
        "categories": ["Bug Risk"], "fingerprint": AWKWARD.fingerprint,
        "severity": "major", "location": {"path": AWKWARD.path, "lines": {"begin": 3}},
    }


def test_codeclimate_end_to_end():
    issues = json.loads(run("--format", "codeclimate", FIXTURES).stdout)
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"])
            for i in issues] == [(f["rule"], f["path"], f["line"]) for f in fixture_findings()]
