"""The pointer wrapper a fix gives a table's users: `.pm = &t` becomes
pm_ptr(&t) or pm_sleep_ptr(&t).

pm_sleep_ptr() is NULL whenever CONFIG_PM_SLEEP is off, which drops a
table's runtime-PM members with it; so any runtime member in any branch of
the file's #if / #ifdef checks (kernel version, a CONFIG_ option the run did
not enable) means pm_ptr(). The parser sees one configuration, so this reads
the text of every definition of the table, in every branch, and the bodies
of the file's own macros it names.

An explicit `IS_ENABLED(CONFIG_PM) ? &t : NULL` (or CONFIG_PM_SLEEP) is
pm_ptr(&t) (pm_sleep_ptr(&t)) written out, and becomes it, also as the body
of the driver's macro (`#define DEV_PM_OPS (IS_ENABLED(CONFIG_PM) ? &t : NULL)`).
An #ifdef CONFIG_PM_SLEEP block that only defines the driver's macro as
`(&t)`, and as NULL in its #else, is pm_sleep_ptr(&t) too, and becomes
`#define FOO_PM_OPS pm_sleep_ptr(&t)`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pmlint.text import ctext
from pmlint.model import PmTable

_RUNTIME = re.compile(rb"\.\s*runtime_(?:suspend|resume|idle)\b|\b\w*RUNTIME\w*PM_OPS\b"
                      rb"|\bUNIVERSAL_DEV_PM_OPS\b")
_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)((?:[^\n\\]|\\.)*)", re.M | re.S)
_POINTER_BEFORE = re.compile(rb"\.(?:\w+\.)*pm\s*=\s*(&)\s*$")
_POINTER_AFTER = re.compile(rb"[ \t]*[,}\n]")
# `IS_ENABLED(CONFIG_PM) ? &t : NULL`, with or without parentheses around it,
# as the pointer or as the body of the driver's macro for it.
_CONDITIONAL = (rb"(?:\.(?:\w+\.)*pm\s*=\s*|^[ \t]*#[ \t]*define[ \t]+\w+[ \t]+)"
                rb"(\(?\s*IS_ENABLED\s*\(\s*(CONFIG_PM(?:_SLEEP)?)\s*\)\s*\?\s*&\s*)$")
_CONDITIONAL_TAIL = re.compile(rb"\s*:\s*NULL\s*(\)?)")
_BY_OPTION = {b"CONFIG_PM": b"pm_ptr", b"CONFIG_PM_SLEEP": b"pm_sleep_ptr"}


def _definitions(masked: bytes, name: str) -> list[tuple[int, int]]:
    """Spans of every definition of table `name` in the text, in every branch:
    `struct dev_pm_ops name = {...}` and `MACRO(name, ...)` (with the `= {...}`
    that an EXPORT_*_DEV_PM_OPS(name) takes)."""
    word = re.escape(name.encode())
    spans = []
    for m in re.finditer(rb"\bstruct\s+dev_pm_ops\s+(?:\w+\s+)*" + word + rb"\s*=\s*(\{)", masked):
        spans.append((m.start(), ctext.closing(masked, m.start(1))))
    for m in re.finditer(rb"\b\w*PM_OPS\s*(\()\s*" + word + rb"\s*[,)]", masked):
        end = ctext.closing(masked, m.start(1))
        brace = re.compile(rb"\s*=\s*\{").match(masked, end + 1)
        spans.append((m.start(), ctext.closing(masked, brace.end() - 1) if brace else end))
    return [(s, e) for s, e in spans if e > s]


def _runtime_text(text: bytes, defines: dict[bytes, list[bytes]], seen: set[bytes]) -> bool:
    """Whether the text sets a runtime member, itself or through the file's macros."""
    if _RUNTIME.search(text) or _runtime_args(text):
        return True
    for ident in {m.group() for m in ctext.IDENT.finditer(text)} & set(defines) - seen:
        seen.add(ident)
        if any(_runtime_text(body, defines, seen) for body in defines[ident]):
            return True
    return False


def _runtime_args(text: bytes) -> bool:
    """_DEFINE_DEV_PM_OPS(name, suspend, resume, runtime_suspend, runtime_resume, idle)."""
    for m in re.finditer(rb"\b_DEFINE_DEV_PM_OPS\s*\(", text):
        close = ctext.closing(text, m.end() - 1)
        args = [text[s:e].strip() for s, e in ctext.split_args(text, m.end() - 1, close)]
        if any(a not in (b"NULL", b"") for a in args[3:6]):
            return True
    return False


def wrapper(masked: bytes, table: PmTable) -> bytes:
    """pm_ptr if the table has a runtime member in the configuration parsed or
    in any branch of the text; pm_sleep_ptr otherwise."""
    if any(s.name.startswith("runtime_") for s in table.slots):
        return b"pm_ptr"
    defines: dict[bytes, list[bytes]] = {}
    for m in _DEFINE.finditer(masked):
        defines.setdefault(m.group(1), []).append(m.group(2))
    spans = _definitions(masked, table.name)
    return b"pm_ptr" if any(_runtime_text(masked[s:e + 1], defines, set()) for s, e in spans) \
        else b"pm_sleep_ptr"


@dataclass(frozen=True)
class Pointer:
    """A driver's pointer at the table, and the wrapped text replacing [start, end)."""

    start: int
    end: int
    text: bytes


def wrapped(source: bytes, masked: bytes, at: int, name: str, wrap: bytes) -> Pointer | None:
    """The wrapped form of the use of `name` at offset `at`, if it is a plain
    `.pm = &name` or an explicit `IS_ENABLED(CONFIG_PM...) ? &name : NULL`."""
    end = at + len(name)
    ls = ctext.line_start(masked, at)
    before = _POINTER_BEFORE.search(masked, ls, at)
    if before and _POINTER_AFTER.match(masked, end):
        amp = before.start(1)
        return Pointer(amp, end, wrap + b"(" + source[amp:end] + b")")
    cond = re.compile(_CONDITIONAL, re.S | re.M).search(masked, ls, at)
    tail = _CONDITIONAL_TAIL.match(masked, end)
    if cond and tail and (tail.group(1) == b"") == (not masked[cond.start(1):].startswith(b"(")):
        stop = tail.end()
        if _POINTER_AFTER.match(masked, stop):
            return Pointer(cond.start(1), stop, _BY_OPTION[cond.group(2)] + b"(&" + name.encode() + b")")
    return None


_GUARD = re.compile(rb"(?:defined\s*\(?\s*|IS_ENABLED\s*\(\s*)?(CONFIG_PM(?:_SLEEP)?)\s*\)?")
_MACRO_POINTER = rb"^([ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+)\(?\s*&\s*$"


def guarded_macro(source: bytes, masked: bytes, conds: list[ctext.Conditional], at: int,
                  name: str) -> Pointer | None:
    """`#ifdef CONFIG_PM_SLEEP / #define X (&t) / #else / #define X NULL / #endif`
    is pm_sleep_ptr(&t) written out (CONFIG_PM: pm_ptr): the block becomes
    `#define X pm_sleep_ptr(&t)`, which PM203 and a reader see as wrapped."""
    ls = ctext.line_start(masked, at)
    head = re.compile(_MACRO_POINTER, re.M).match(masked, ls, at)
    inner = [(c, i) for c, i in ctext.enclosing(conds, at)]
    if head is None or not inner or inner[-1][1] != 0:
        return None
    cond = inner[-1][0]
    first = cond.branches[0]
    option = _GUARD.fullmatch(first.condition)
    if (len(cond.branches) != 2 or cond.branches[1].kind != b"else" or option is None
            or (first.kind == b"ifdef") != first.condition.startswith(b"CONFIG_")
            or first.kind not in (b"if", b"ifdef")):
        return None
    macro = re.escape(head.group(2))
    body = rb"\s*" + head.group(1).strip().replace(b" ", rb"\s+").replace(b"\t", rb"\s+") + \
        rb"\s*\(?\s*&\s*" + re.escape(name.encode()) + rb"\s*\)?\s*"
    other = rb"\s*#\s*define\s+" + macro + rb"\s+(?:NULL|\(\s*\(\s*void\s*\*\s*\)\s*0\s*\))\s*"
    if not (re.fullmatch(body, masked[first.body:first.end])
            and re.fullmatch(other, masked[cond.branches[1].body:cond.branches[1].end])):
        return None
    text = source[ls:ls + len(head.group(1))] + _BY_OPTION[option.group(1)] + b"(&" + name.encode() + b")\n"
    return Pointer(cond.start, cond.endif_end, text)
