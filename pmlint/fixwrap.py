"""The pointer wrapper a fix gives a table's users: `.pm = &t` becomes
pm_ptr(&t) or pm_sleep_ptr(&t).

pm_sleep_ptr() is NULL whenever CONFIG_PM_SLEEP is off, which drops a
table's runtime-PM members with it; so any runtime member in any branch of
the file's #if / #ifdef checks (kernel version, a CONFIG_ option the run did
not enable) means pm_ptr(). The parser sees one configuration, so this reads
the text of every definition of the table, in every branch, and the bodies
of the file's own macros it names.

An explicit `IS_ENABLED(CONFIG_PM) ? &t : NULL` (or CONFIG_PM_SLEEP) is
pm_ptr(&t) (pm_sleep_ptr(&t)) written out, and becomes it. A pointer through
the driver's own macro (`#define FOO_PM_OPS (&t)` under #ifdef) is left alone:
its #ifdef already drops the table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pmlint import ctext
from pmlint.model import PmTable

_RUNTIME = re.compile(rb"\.\s*runtime_(?:suspend|resume|idle)\b|\b\w*RUNTIME\w*PM_OPS\b"
                      rb"|\bUNIVERSAL_DEV_PM_OPS\b")
_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)((?:[^\n\\]|\\.)*)", re.M | re.S)
_POINTER_BEFORE = re.compile(rb"\.(?:\w+\.)*pm\s*=\s*(&)\s*$")
_POINTER_AFTER = re.compile(rb"[ \t]*[,}\n]")
# `IS_ENABLED(CONFIG_PM) ? &t : NULL`, with or without parentheses around it.
_CONDITIONAL = rb"\.(?:\w+\.)*pm\s*=\s*(\(?\s*IS_ENABLED\s*\(\s*(CONFIG_PM(?:_SLEEP)?)\s*\)\s*\?\s*&\s*)$"
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
    cond = re.compile(_CONDITIONAL, re.S).search(masked, ls, at)
    tail = _CONDITIONAL_TAIL.match(masked, end)
    if cond and tail and (tail.group(1) == b"") == (not masked[cond.start(1):].startswith(b"(")):
        stop = tail.end()
        if _POINTER_AFTER.match(masked, stop):
            return Pointer(cond.start(1), stop, _BY_OPTION[cond.group(2)] + b"(&" + name.encode() + b")")
    return None
