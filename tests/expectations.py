"""The inline expectations of a fixture (see fixtures/README.md): reading
them, writing them back, and saying where a run departs from them.

    /* expect: PM101:32 warning "'foo_pm_ops' sets .freeze ..." */
    /* evidence: PM101:2 "foo_freeze(): free_irq() at line 9 ..." */

pin a finding (rule, column, severity, full message) or one of its notes
(rule of the finding, column, full message) to the line the comment is on.
Inside the quotes `\\"`, `\\\\` and `*\\/` stand for `"`, `\\` and `*/`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_EXPECT = re.compile(r"/\*\s*expect:\s*(PM\d{3}):(\d+)\s+(error|warning|note)\s+" + _QUOTED + r"\s*\*/")
_EVIDENCE = re.compile(r"/\*\s*evidence:\s*(PM\d{3}):(\d+)\s+" + _QUOTED + r"\s*\*/")
# Anything that looks like an expectation must be one: a typo never goes unchecked.
_ANY = re.compile(r"/\*\s*(?:expect|evidence)\b")
_SLOTS = re.compile(r"/\*\s*slots:\s*(.*?)\s*\*/")
_UNESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, order=True)
class Expect:
    """A finding (kind "expect") or a note of one (kind "evidence"); notes carry no severity."""

    line: int
    kind: str
    rule: str
    column: int
    severity: str
    message: str

    def comment(self) -> str:
        severity = f" {self.severity}" if self.kind == "expect" else ""
        return f'/* {self.kind}: {self.rule}:{self.column}{severity} {quote(self.message)} */'

    def __str__(self) -> str:
        return f"{self.line}: {self.comment()}"


class BadExpectation(ValueError):
    pass


def read_text(path: Path) -> str:
    """The file as it is: line endings kept, bytes that are not UTF-8 survive a rewrite."""
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        return f.read()


def write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)


def lines_of(text: str) -> list[str]:
    """The lines with their endings, split only at \\n, as the compiler counts them."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def read_lines(path: Path) -> list[str]:
    return lines_of(read_text(path))


def expectations(path: Path) -> list[Expect]:
    """Every `expect:` and `evidence:` of the file, sorted; a malformed one is an error."""
    out = []
    for lineno, line in enumerate(read_lines(path), 1):
        for m in _ANY.finditer(line):
            exp, evi = _EXPECT.match(line, m.start()), _EVIDENCE.match(line, m.start())
            if exp:
                rule, column, severity, text = exp.groups()
                out.append(Expect(lineno, "expect", rule, int(column), severity, _unescape(text)))
            elif evi:
                rule, column, text = evi.groups()
                out.append(Expect(lineno, "evidence", rule, int(column), "", _unescape(text)))
            else:
                raise BadExpectation(f"{path}:{lineno}: malformed expectation (see fixtures/README.md): "
                                     f"{line[m.start():].strip()[:120]}")
    return sorted(out)


def quote(text: str) -> str:
    """`text` in double quotes, as it can stand inside a C comment."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("*/", "*\\/") + '"'


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: m.group(1), text)


# A fix fixture's `--fix` output: one comment a line of it, at the end of the file.
FIX_NOTE = re.compile(r"/\*\s*fix:\s*(\w+)\s+" + _QUOTED + r"\s*\*/")


def expected_fix(path: Path) -> list[tuple[str, str]]:
    """(kind, text) of each `/* fix: KIND "TEXT" */` of a fix fixture."""
    return sorted((kind, _unescape(text)) for kind, text in FIX_NOTE.findall(read_text(path)))


def fix_comment(kind: str, text: str) -> str:
    return f"/* fix: {kind} {quote(text)} */"


def expected_findings(path: Path) -> list[tuple[int, str]]:
    """(line, rule) of each `expect:`."""
    return sorted((e.line, e.rule) for e in expectations(path) if e.kind == "expect")


def expected_slots(path: Path) -> dict[int, dict[str, str]]:
    out = {}
    for lineno, line in enumerate(read_lines(path), 1):
        m = _SLOTS.search(line)
        if m:
            out[lineno] = dict(item.split("=", 1) for item in m.group(1).split())
    return out


def mismatch(path: Path, want: list[Expect], got: list[Expect]) -> str:
    """What differs, line by line: empty when every finding and note is expected exactly once."""
    missing, extra = _minus(want, got), _minus(got, want)
    if not missing and not extra:
        return ""
    out = [f"{path}: the findings differ from the expectations "
           "(python tests/update_expectations.py rewrites them; review its diff)"]
    for line in sorted({e.line for e in missing + extra}):
        for e in (e for e in missing if e.line == line):
            out.append(f"  {path.name}:{line}: expected {e.comment()}")
        for e in (e for e in extra if e.line == line):
            out.append(f"  {path.name}:{line}: actual   {e.comment()}")
    return "\n".join(out)


def assert_matches(path: Path, got: list[Expect], want: list[Expect] | None = None) -> None:
    """Fail the test with `mismatch`'s account unless `got` is what the file expects."""
    diff = mismatch(path, expectations(path) if want is None else want, got)
    if diff:
        pytest.fail(diff, pytrace=False)


def _minus(a: list[Expect], b: list[Expect]) -> list[Expect]:
    rest = list(b)
    out = []
    for e in a:
        if e in rest:
            rest.remove(e)
        else:
            out.append(e)
    return out


def rewrite(lines: list[str], actual: list[Expect]) -> list[str]:
    """The lines with their expectation comments replaced by `actual`'s: each
    line's new comments go where its first old one was, else at its end."""
    by_line: dict[int, list[str]] = {}
    for e in sorted(actual, key=lambda e: (e.kind != "expect", e.column, e.rule, e.message)):
        by_line.setdefault(e.line, []).append(e.comment())
    if any(n > len(lines) for n in by_line):
        raise BadExpectation(f"a finding on line {max(by_line)} of a {len(lines)}-line file")
    return [_rewrite_line(line, by_line.get(n, [])) for n, line in enumerate(lines, 1)]


def _rewrite_line(line: str, comments: list[str]) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    spans = [(m.start(), _end_of_comment(body, m.start())) for m in _ANY.finditer(body)]
    if not spans and not comments:
        return line
    for i, (start, end) in reversed(list(enumerate(spans))):
        # The first comment keeps the blanks before it (the fixture's alignment).
        start = len(body[:start].rstrip()) if i else start
        body = body[:start] + body[end:]
    new = " ".join(comments)
    if not spans:
        # At the end of the line, before a line continuation if there is one.
        cont = body.endswith("\\")
        head = (body[:-1] if cont else body).rstrip()
        return " ".join(filter(None, (head, new, "\\" if cont else ""))) + ending
    head, rest = body[:spans[0][0]], body[spans[0][0]:]
    if not new:
        head = head.rstrip()
        rest = rest if not rest or rest[0].isspace() or not head else " " + rest
    return head + new + rest + ending


def _end_of_comment(text: str, start: int) -> int:
    end = text.find("*/", start + 2)
    if end < 0:
        raise BadExpectation(f"unterminated expectation comment: {text[start:][:80]}")
    return end + 2


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.c"))
