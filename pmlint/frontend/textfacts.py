"""Facts read from a file's text, not its AST: #if blocks, definitions the
configuration leaves out, uses of a table's name, text clang skipped, and
initializers clang dropped after a crash.
"""
from __future__ import annotations

import bisect
import re

from pmlint.frontend.drivers import PM_WORDS as _PM_WORDS
from pmlint.frontend.rounds import _Diagnostic
from pmlint.model import Conditional, Location, Problem

_IDENT = re.compile(rb"[A-Za-z_]\w*")
# Text without which a struct's initializer cannot set a PM member of a driver.
_PM_TEXT = re.compile(rb"(?i)pm|" + _PM_WORDS.encode())
# A #define: its name, and its body with continuation lines (the file's, the prelude's).
_MACRO_DEFINITION = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)((?:[^\n]*\\\n)*[^\n]*)", re.M)
# A function definition's head at a line start; group 1 is its name.
_DEFINITION_HEAD = re.compile(
    rb"^(?=(?:[A-Za-z_][\w \t*]*[\s*])?([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{)", re.M)
# Errors after which clang skips text unparsed: a table further on can vanish
# without an error of its own.
_SKIPS_TEXT = re.compile(r"unterminated /\* comment|bracket nesting level exceeded")
# Comments and closed literals of one line: a quote left over opens a literal
# the line does not close (clang's warning for it is silenced by -w).
_CLOSED = re.compile(rb"""/\*.*?(?:\*/|$)|//.*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
# Comments and string/char literals, to be matched (and so skipped) as a whole.
_NOT_CODE = re.compile(rb"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)
_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b[^\n]*", re.M)


def _conditionals(source: bytes) -> tuple[Conditional, ...]:
    """Every #if ... #endif block of the file, whether the configuration keeps it or not."""
    out, open_ = [], []   # open_: [first, condition, otherwise] of each open block
    line, counted = 1, 0   # lines counted on from the last directive, not from the top
    for m in _DIRECTIVE.finditer(source):
        line += source.count(b"\n", counted, m.start())
        counted = m.start()
        if m.group(1) in (b"elif", b"else"):
            if open_ and not open_[-1][2]:
                open_[-1][2] = line
        elif m.group(1) != b"endif":
            open_.append([line, m.group().strip().decode("utf-8", "replace"), 0])
        elif open_:
            first, condition, otherwise = open_.pop()
            out.append(Conditional(first, line, condition, otherwise))
    return tuple(sorted(out, key=lambda c: c.first))


def _left_out(source: bytes, undeclared) -> tuple[str, ...]:
    """Names nothing visible declares that the text defines as functions.

    Such a definition sits in code the configuration leaves out (#ifdef),
    so the name is the file's own, not one from a header that is missing.
    """
    if not undeclared:
        return ()
    # One pass for all names, not one per name: a line start admits one name at most.
    defined = {m.group(1).decode() for m in _DEFINITION_HEAD.finditer(source)}
    return tuple(sorted(n for n in undeclared if n in defined))


def _uses(path: str, source: bytes, declarations) -> dict[str, list[Location]]:
    """Where the text names each table outside its declarations.

    A text search, not the AST: bodies are skipped, and a use inside a
    block the configuration leaves out still attaches the table.
    """
    uses: dict[str, list[Location]] = {}
    if not declarations:
        return uses
    names = b"|".join(re.escape(name.encode()) for name, _, _ in declarations)
    hits = [(m.group().decode(), m.start())
            for m in re.finditer(rb"\b(?:" + names + rb")\b", source)]
    hits = [(name, at) for name, at in hits
            if not any(n == name and a <= at < b for n, a, b in declarations)]
    if not hits:
        return uses
    # Comments and literals up to the last hit: a hit in one is no use.
    # No name holds a character that starts one, so they are found apart
    # from the names: alone, the pattern has a first character to look
    # for, and is several times faster.
    not_code = []
    for m in _NOT_CODE.finditer(source):
        if m.start() > hits[-1][1]:
            break
        not_code.append((m.start(), m.end()))
    starts = [a for a, _ in not_code]
    for name, at in hits:
        i = bisect.bisect_right(starts, at) - 1
        if i < 0 or at >= not_code[i][1]:
            line = source.count(b"\n", 0, at) + 1
            column = at - source.rfind(b"\n", 0, at)
            uses.setdefault(name, []).append(Location(path, line, column))
    return uses


def _skipped_text(path: str, diagnostics: list[_Diagnostic], lines: list[bytes]) -> list[Problem]:
    """A problem at the first error after which clang skipped text it did not parse."""
    found = []
    for d in diagnostics:
        if not (d.error and d.here):
            continue
        if _SKIPS_TEXT.search(d.text):
            reason = d.text
        else:
            line = lines[d.line - 1] if 0 < d.line <= len(lines) else b""
            quote = re.search(rb"[\"']", _CLOSED.sub(b"", line))
            if not quote:
                continue
            reason = f"missing terminating {quote.group().decode()} character"
        found.append((d.line, d.column, reason))
    if not found:
        return []
    line, column, reason = min(found)
    return [Problem(path, f"{reason}; the code after it may not be analysed", line, column)]


# A member a driver object's initializer sets that pmlint reads (drivers.DRIVER_MEMBERS).
_PM_MEMBER_DESIGNATOR = re.compile(
    rb"\.\s*(?:pm|" + _PM_WORDS.encode() + rb"|reset_resume|suspend_late|resume_early)\s*(?==|\.)")


def _refused(shown: str, source: bytes, tags: set[str]) -> tuple[Problem, ...]:
    """The variables of a struct type refused after a libclang crash (see
    _rounds) whose initializer sets a member a driver object's PM callbacks
    are read from: clang drops it, so those are not analysed. The others
    cannot hold a PM table or callback pmlint reads."""
    out = []
    names = b"|".join(re.escape(t.encode()) for t in sorted(tags))
    head = re.compile(rb"\bstruct\s+(" + names + rb")\b[^;{}=()]*?\b([A-Za-z_]\w*)\s*(?:\[[^]]*\]\s*)*=\s*\{")
    for m in head.finditer(source):
        depth, pos = 0, m.end() - 1
        for token in re.finditer(rb"[{}]|" + _NOT_CODE.pattern, source[pos:], re.S):
            depth += {b"{": 1, b"}": -1}.get(token.group(), 0)
            if depth == 0:
                break
        end = pos + token.end()
        if _PM_MEMBER_DESIGNATOR.search(_NOT_CODE.sub(b" ", source[pos:end])):
            line = source.count(b"\n", 0, m.start(2)) + 1
            column = m.start(2) - source.rfind(b"\n", 0, m.start(2))
            out.append(Problem(shown, f"libclang crashes on this file once struct {m.group(1).decode()} is "
                                      f"declared: the initializer of '{m.group(2).decode()}' is not analysed",
                               line, column))
    return tuple(out)
