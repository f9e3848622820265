"""Fuzzing pmlint: input strategies and the properties every input must keep.

Shared by tests/test_fuzz.py (a bounded CI run) and bench/fuzz.py (a long
run). Three targets:

- the parser, with generated C tables (designated items, pm.h macros,
  overrides, casts, ?:, comments, garbage tokens) and mutated real sources
  (fixtures/*.c, and drivers of a kernel tree named by PMLINT_KERNEL_TREE).
  It runs in pmlint's worker processes, as real runs do: a native crash is
  contained (and counted), a Python exception or a hang is a bug. For
  well-formed generated tables the parser must also find exactly the
  members C gives them;
- the patch reader: a generated or mutated diff or mbox gives patches or
  PatchError, nothing else;
- the formatters: any findings with any text render in every format, SARIF
  stays schema-valid, GitHub commands and JSON parse back to what went in.
"""
from __future__ import annotations

import html
import json
import os
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from hypothesis import strategies as st

from htmlcheck import unsafe_markup
from pmlint import catalogue
from pmlint.pipeline import workers
from pmlint.catalogue import SEVERITIES
from pmlint.formatters import FORMATS, html as html_format, render
from pmlint.model import Finding, PmTable, Location, Slot
from pmlint.frontend import ParseOptions
from pmlint.patch.mode import PatchError, parse_series, replay
from pmlint.report import Report
from pmlint.pipeline.runner import analyse_source, judge
from test_formats import unescape, validate_sarif

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PRELUDE = (resources.files("pmlint") / "include" / "pmlint_prelude.h").read_text()
MEMBERS = re.findall(r"\(\*(\w+)\)", re.search(r"struct dev_pm_ops \{(.*?)\};", PRELUDE, re.S)[1])
RULES = catalogue.rules()
TIMEOUT = 30.0   # for one small input: reaching it is a hang, not a slow parse

# --- the parser: generated tables ----------------------------------------------

# What each item macro of pm.h sets, with its (suspend, resume[, idle]) arguments.
_SLEEP = ("suspend", "resume", "freeze", "thaw", "poweroff", "restore")
ITEM_MACROS = {
    "SYSTEM_SLEEP_PM_OPS": _SLEEP,
    "SET_SYSTEM_SLEEP_PM_OPS": _SLEEP,
    "LATE_SYSTEM_SLEEP_PM_OPS": ("suspend_late", "resume_early", "freeze_late", "thaw_early",
                                 "poweroff_late", "restore_early"),
    "SET_LATE_SYSTEM_SLEEP_PM_OPS": ("suspend_late", "resume_early", "freeze_late",
                                     "thaw_early", "poweroff_late", "restore_early"),
    "NOIRQ_SYSTEM_SLEEP_PM_OPS": tuple(f"{m}_noirq" for m in _SLEEP),
    "SET_NOIRQ_SYSTEM_SLEEP_PM_OPS": tuple(f"{m}_noirq" for m in _SLEEP),
    "RUNTIME_PM_OPS": ("runtime_suspend", "runtime_resume", "runtime_idle"),
    "SET_RUNTIME_PM_OPS": ("runtime_suspend", "runtime_resume", "runtime_idle"),
}

callbacks = st.integers(0, 40).map(lambda n: f"cb_{n}")
# (C text, the callback it leaves in the member or None): the ways drivers write a value.
_VALUE_FORMS = [
    ("{}", True), ("&{}", True), ("({})", True), ("(((({}))))", True),
    ("(int (*)(struct device *)){}", True), ("pm_sleep_ptr({})", True), ("pm_ptr({})", True),
    ("IS_ENABLED(CONFIG_PM_SLEEP) ? {} : NULL", True), ("PTR_IF(IS_ENABLED(CONFIG_PM), {})", True),
    ("IS_ENABLED(CONFIG_NOT_SET) ? {} : NULL", False), ("NULL", False), ("0", False),
    ("(void *)0", False),
]
values = st.tuples(st.sampled_from(_VALUE_FORMS), callbacks).map(
    lambda v: (v[0][0].format(v[1]), v[1] if v[0][1] else None))


@st.composite
def items(draw):
    """One initializer item: (C text, [(member, callback or None), ...]) in C's order."""
    if draw(st.booleans()):
        member = draw(st.sampled_from(MEMBERS))
        text, value = draw(values)
        return f".{member} = {text},", [(member, value)]
    macro = draw(st.sampled_from(sorted(ITEM_MACROS)))
    members = ITEM_MACROS[macro]
    # Sleep macros take (suspend, resume), set in turn; runtime ones (suspend, resume, idle).
    count = 2 if len(members) == 6 else 3
    args = draw(st.lists(st.one_of(callbacks, st.just("NULL")), min_size=count, max_size=count))
    picks = [args[i % count] for i in range(len(members))]
    return f"{macro}({', '.join(args)})", [(m, None if a == "NULL" else a)
                                           for m, a in zip(members, picks)]


comments = st.text(st.characters(codec="utf-8", exclude_characters="*\0"), max_size=30).map(
    lambda t: f"/* {t} */")
blanks = st.sampled_from([" ", "\n", "\t", "\n\n", " \\\n "])
GARBAGE = ["{", "}", "(", ")", "[", "]", ";", ",", "=", ".", "->", "?", ":", "#", "##",
           "\"", "'", "/*", "*/", "//", "\\", "@", "`", "$", "\x0c", "\r", "\udcff", "\udcc3",
           "#if 0\n", "#endif\n", "#define X(", "#include \"x.h\"\n", ".freeze", "struct",
           "dev_pm_ops", "static", "SET_SYSTEM_SLEEP_PM_OPS(", "__attribute__((", "typedef",
           "\"<script>\"", "0x", "1e", "L'", "u8\"", "??/", "%:", "<:", "\\u00e9"]


@dataclass
class Generated:
    source: bytes
    table: str
    expected: dict[str, str] | None   # the members C sets; None when garbage makes it unknown


@st.composite
def generated_tables(draw, garbage: bool = False) -> Generated:
    """A driver file with one table, written the ways drivers write them."""
    parts = [draw(st.sampled_from(["", "#include <linux/pm.h>\n", "// SPDX\n"]))]
    its = draw(st.lists(items(), max_size=8))
    used = sorted({cb for _, sets in its for _, cb in sets if cb})
    for cb in used:
        if draw(st.booleans()):   # sometimes undeclared: the parser must invent it
            parts.append(f"static int {cb}(struct device *dev) {{ return 0; }}\n")
    expected: dict[str, str] = {}
    body = []
    for text, sets in its:
        body += [draw(blanks), text]
        if draw(st.integers(0, 4)) == 0:
            body.append(draw(comments))
        for member, cb in sets:   # C: the last initializer of a member wins
            if cb is None:
                expected.pop(member, None)
            else:
                expected[member] = cb
    qualifiers = draw(st.sampled_from(["static const", "const", "static", "static const __maybe_unused"]))
    parts.append(f"{qualifiers} struct dev_pm_ops fuzz_pm_ops = {{{''.join(body)}\n}};\n")
    parts.append(draw(st.sampled_from(["", "static struct platform_driver d = {\n"
                                       "\t.driver = { .name = \"d\", .pm = pm_sleep_ptr(&fuzz_pm_ops) },\n};\n"])))
    text = "".join(parts)
    if garbage:
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(GARBAGE)) + text[at:]
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return Generated(text.encode("utf-8", "surrogateescape"), "fuzz_pm_ops",
                     None if garbage else expected)


# --- the parser: mutated real sources -----------------------------------------------

def seeds(kernel_tree: str | None = None, sample: int = 20) -> list[bytes]:
    """fixtures/*.c, and one in `sample` of the tree's files that hold a table.

    Kernel sources are read at run time, never stored with the tests.
    """
    out = [p.read_bytes() for p in sorted(FIXTURES.glob("*.c"))]
    if kernel_tree:
        for root, dirs, names in os.walk(kernel_tree):
            dirs.sort()
            for name in sorted(names):
                # A stable sample that reads only the files it keeps.
                if name.endswith(".c") and hash_of(name) % sample == 0:
                    data = Path(root, name).read_bytes()
                    if b"dev_pm_ops" in data:
                        out.append(data)
    return out


def hash_of(name: str) -> int:
    return sum(name.encode()) * 31 + len(name)


def window(source: bytes, at: int, size: int = 4096) -> bytes:
    """The part of a file around a table, so that a mutated input parses fast."""
    found = [m.start() for m in re.finditer(rb"dev_pm_ops|PM_OPS", source)]
    centre = found[at % len(found)] if found else 0
    start = max(0, centre - size // 2)
    return source[start:start + size]


@st.composite
def mutated(draw, corpus: list[bytes], whole: bool = False) -> bytes:
    data = draw(st.sampled_from(corpus))
    if not whole:
        data = window(data, draw(st.integers(0, 50)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "flip", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data = data[:at] + draw(st.sampled_from(GARBAGE)).encode("utf-8", "surrogateescape") + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)):]
        elif op == "duplicate":
            data = data[:at] + data[at:at + draw(st.integers(1, 256))] * draw(st.integers(2, 20)) + data[at:]
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([draw(st.integers(1, 255))]) + data[at + 1:]
        elif op == "truncate":
            data = data[:at]
    return data


# --- the parser: running and judging ------------------------------------------------

@dataclass
class Tally:
    """What a fuzz run met."""

    executions: Counter = field(default_factory=Counter)   # target -> inputs tried
    native_crashes: list[str] = field(default_factory=list)  # contained by the workers


def _work(source: bytes):
    """In a worker: what a real run does with a file. A Python exception comes back as text."""
    try:
        model, findings, failures = judge(analyse_source("fuzz.c", source, ParseOptions()), source, RULES)
        if failures:   # a check that raised: reported against its rule, a failure all the same
            return "exception", "\n".join(f.message for f in failures), []
        return "ok", model, findings
    except Exception:   # noqa: BLE001 - reported as a failure, with its traceback
        return "exception", traceback.format_exc(), []


def _failed(source: bytes, reason: str):
    return "died", reason, []


def parse_isolated(sources: list[bytes], tally: Tally, jobs: int = 1):
    """Each source through pmlint's worker processes; yields (source, model, findings).

    A Python exception or a time-out fails (AssertionError); a native crash is
    the parser's own, contained as in a real run: counted, and its model is None.
    """
    results = workers.run(((True, s) for s in sources), _work, _failed, jobs, TIMEOUT)
    for source, (status, value, findings) in zip(sources, results):
        tally.executions["parser"] += 1
        assert status != "exception", f"parser raised on {source[:2000]!r}:\n{value}"
        assert "timed out" not in str(value), f"parser hung on {source[:2000]!r}"
        if status == "died":
            tally.native_crashes.append(f"{value}: {source[:200]!r}")
            yield source, None, []
        else:
            yield source, value, findings


def batches(strategy):
    """Several inputs an example: one run of the workers (two at once) parses them all."""
    return st.lists(strategy, min_size=1, max_size=8)


def parse_and_check(sources: list[bytes], tally: Tally, generated: list[Generated] = ()) -> None:
    results = list(parse_isolated(sources, tally, jobs=2))
    for source, model, findings in results:
        check_model(source, model, findings)
    for gen, (_, model, _) in zip(generated, results):
        check_generated(gen, model)


def check_model(source: bytes, model, findings) -> None:
    """What any parse must give: a report every format can render."""
    if model is None:
        return
    lines = source.count(b"\n") + source.count(b"\r") + 1
    for loc in [t.location for t in model.tables] + [s.location for t in model.tables for s in t.slots]:
        assert loc.path == "fuzz.c" and 1 <= loc.line <= lines, loc
    report = Report(findings=sorted(findings), tables=list(model.tables), files=1,
                    sources={"fuzz.c": tuple(source.decode("utf-8", "replace").splitlines())})
    for fmt in FORMATS:
        render(fmt, report)
    html_format.render(report)


def check_generated(gen: Generated, model) -> None:
    """A well-formed generated table: the parser finds exactly the members C sets."""
    if gen.expected is None or model is None:
        return
    [table] = [t for t in model.tables if t.name == gen.table]
    assert table.complete and not model.problems, (model.problems, gen.source.decode())
    assert table.slot_map == gen.expected, gen.source.decode()


# --- the patch reader -----------------------------------------------------------------

PATCH_SEEDS = sorted(p.read_bytes() for p in (FIXTURES / "patches").iterdir() if p.is_file())
TREE = {"drivers/misc/foo.c": "int a;\nint b;\nint c;\n", "drivers/misc/bar.c": "x\ny\n"}
_PATH = st.sampled_from(["drivers/misc/foo.c", "drivers/misc/bar.c", "drivers/misc/new.c",
                         "/etc/passwd", "../../x.c", "a b/ü.c", "", "dev/null", "/dev/null",
                         "x\ty.c", "drivers/misc/foo.h", "README"])
_LINE = st.text(st.characters(codec="utf-8", exclude_characters="\n\0"), max_size=20)


@st.composite
def diffs(draw) -> bytes:
    """A unified diff, git headers and mail wrapping included, right or subtly wrong."""
    out = []
    if draw(st.booleans()):
        out.append(f"From {'0' * 40} Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\n"
                   f"Subject: [PATCH {draw(st.integers(0, 3))}/2] {draw(_LINE)}\n")
        out.append(draw(st.sampled_from(["", "Content-Transfer-Encoding: base64\n",
                                         "Content-Transfer-Encoding: quoted-printable\n",
                                         "Content-Type: text/plain; charset=latin-1\n"])))
        out.append("\n---\n")
    for _ in range(draw(st.integers(0, 3))):
        old, new = draw(_PATH), draw(_PATH)
        if draw(st.booleans()):
            out.append(f"diff --git a/{old} b/{new}\n")
            out.append(draw(st.sampled_from(["", "index 0000000..1111111 100644\n",
                                             "new file mode 100644\n", "deleted file mode 100644\n",
                                             f"rename from {old}\nrename to {new}\n",
                                             "similarity index 90%\n", "Binary files differ\n",
                                             "GIT binary patch\nliteral 0\n"])))
        out.append(f"--- {draw(st.sampled_from(['a/', '', '/']))}{old}\n"
                   f"+++ {draw(st.sampled_from(['b/', '', '/']))}{new}\n")
        for _ in range(draw(st.integers(0, 3))):
            body = draw(st.lists(st.tuples(st.sampled_from(" -+\\"), _LINE), max_size=6))
            counts = [draw(st.integers(0, 9)) for _ in range(4)]
            out.append(f"@@ -{counts[0]},{counts[1]} +{counts[2]},{counts[3]} @@{draw(_LINE)}\n")
            out += [f"{kind}{text}\n" for kind, text in body]
    return "".join(out).encode("utf-8", "surrogateescape")


@st.composite
def mutated_patches(draw) -> bytes:
    data = draw(st.sampled_from(PATCH_SEEDS))
    lines = data.split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(lines)))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "edit"]))
        if op == "delete":
            del lines[at:at + 1]
        elif op == "duplicate":
            lines[at:at] = lines[at:at + draw(st.integers(1, 5))]
        elif op == "insert":
            lines.insert(at, draw(_LINE).encode("utf-8", "surrogateescape"))
        elif lines and at < len(lines):
            line = lines[at]
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + draw(st.sampled_from([b"@@", b"-", b"+", b" ", b"\\", b"\r",
                                                           b"\xff", b"0", b"99999", b","])) + line[cut:]
    return b"\n".join(lines)


def check_patch(data: bytes, tally: Tally) -> None:
    """A diff from outside gives patches or PatchError; replaying them, changes or PatchError."""
    tally.executions["patch"] += 1
    try:
        changes = replay(parse_series(data), TREE.get)
    except PatchError as exc:
        assert str(exc)
        return
    for c in changes:
        for path in (c.old, c.new):
            assert path is None or not (path.startswith("/") or ".." in path.split("/")), path


# --- the formatters -----------------------------------------------------------------

# Names that come from a disk: any text, and undecodable bytes as surrogate escapes.
_ODD = st.text(st.one_of(st.characters(codec="utf-8", exclude_characters="\0"),
                         st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF)), max_size=40)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)
_RULE_IDS = [r.id for r in RULES]

findings = st.builds(
    Finding, path=_ODD.filter(bool), line=st.integers(1, 10**6), column=st.integers(1, 10**4),
    rule=st.sampled_from(_RULE_IDS), severity=st.sampled_from(SEVERITIES), symbol=_TEXT,
    message=_TEXT, origin=st.one_of(st.just(""), _TEXT))


@st.composite
def reports(draw) -> Report:
    found = draw(st.lists(findings, max_size=6))
    tables = [PmTable(name=draw(_TEXT), location=Location(f.path, f.line, f.column), const=True,
                      static=True, defined=True, defined_by=draw(_TEXT), exported=False,
                      slots=(Slot("freeze", draw(_TEXT), Location(f.path, f.line), "freeze"),))
              for f in found[:2]]
    sources = {f.path: tuple(draw(st.lists(_TEXT, max_size=5))) for f in found}
    errors = [{"path": p, "message": m} for p, m in draw(st.lists(st.tuples(_ODD, _TEXT), max_size=2))]
    report = Report(findings=found, tables=tables, errors=errors, sources=sources,
                    files=draw(st.integers(0, 9)),
                    format_options={"terse": draw(st.booleans()), "showfile": draw(st.booleans()),
                                    "color": draw(st.booleans())})
    report.sort()
    return report


_COMMAND = re.compile(r"::(?P<kind>\w+) (?P<props>[^:\r\n]*)::(?P<data>[^\r\n]*)")


def check_formats(report: Report, tally: Tally) -> None:
    """Every format renders; what parses back equals what went in."""
    tally.executions["formatters"] += 1
    doc = json.loads(render("json", report))
    assert [(f["path"], f["message"]) for f in doc["findings"]] == \
        [(f.path, f.message) for f in report.findings]
    sarif = validate_sarif(render("sarif", report))
    assert len(sarif["runs"][0]["results"]) == len(report.findings)
    # The runner reads a command a line (split on \n and \r only).
    commands = [line for line in re.split(r"\r\n|\r|\n", render("github", report)) if line]
    assert len(commands) == len(report.findings)
    for line, f in zip(commands, report.findings):
        m = _COMMAND.fullmatch(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m["props"].split(","))
        assert unescape(props["file"]) == f.path and props["line"] == str(f.line)
        assert unescape(m["data"]) == f.message
    assert len(json.loads(render("codeclimate", report))) == len(report.findings)
    for fmt in ("text", "checkpatch"):
        render(fmt, report)
    page = html_format.render(report)
    assert unsafe_markup(page) == []
    shown = html.unescape(page)
    assert all(f.message.replace("\r", "") in shown.replace("\r", "") for f in report.findings)
