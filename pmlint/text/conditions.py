"""The #if and #elif lines near PM code that the headerless parse cannot
evaluate, so that what the preprocessor assumed is said (PM001), not
silently taken.

Without the kernel's headers a macro that only a header defines is unknown:
in an #if, an unknown function-like macro (`#if IS_BUILTIN_FOO(x)`) is an
error and the whole condition counts as false; an unknown name
(`#if FOO_HW_REV >= 3`) counts as 0. Either may hide a table or its
members. CONFIG_ options are not reported: an option not set is off, which
is what the configuration says.

A text scan: what is defined is the configuration, the prelude, and the
#defines of the file and of the local headers it includes.
"""
from __future__ import annotations

import os
import re

from pmlint.text.ctext import include_names
from pmlint.model import Assumption, FileModel

_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b((?:[^\n]*\\\n)*[^\n]*)",
                        re.M)
_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)", re.M)
_COMMENT = re.compile(rb"/\*.*?\*/|//.*", re.S)
# Operands that name no macro: defined X, defined(X), __has_include(<...>) and the like.
_NOT_MACROS = re.compile(rb"\bdefined\s*(?:\(\s*\w+\s*\)|\w+)|\b__has_\w+\s*\([^)]*\)")
_NAME = re.compile(rb"(?<![\w.])([A-Za-z_]\w*)(\s*\()?")
# What the compiler defines itself (__GNUC__, __x86_64__, ...) and Kconfig's options.
_PREDEFINED = re.compile(r"__\w+__|CONFIG_\w+")
# Text that is PM code: a table, a pm.h macro, a driver's PM member, a PM member's designator.
PM_CODE = re.compile(
    rb"\bdev_pm_ops\b|\w*_PM_OPS\b|\bpm_(?:sleep_)?ptr\b|\.\s*pm\s*=|\bxenbus_driver\b|"
    rb"\.\s*(?:suspend|resume|freeze|thaw|poweroff|restore|prepare|complete|runtime_\w+)"
    rb"(?:_noirq|_late|_early)?\s*=")
_MAX_HEADERS = 32


def unevaluable(path: str, source: bytes, macros: tuple[str, ...], known: frozenset[str],
                model: FileModel | None = None) -> tuple[Assumption, ...]:
    """The #if/#elif lines whose block holds PM code (or a callback of the
    model's tables and drivers) and that use a macro nothing defines."""
    defined = {m.partition("=")[0].partition("(")[0] for m in macros} | known
    defined |= _definitions(path, source)
    out = []
    for line, text, expression in near_pm_code(source, model):
        names, function_like = _unknown(expression, defined)
        if names:
            out.append(Assumption(line, text, names, function_like))
    return tuple(out)


def near_pm_code(source: bytes, model: FileModel | None = None,
                 ifdefs: bool = False) -> list[tuple[int, str, bytes]]:
    """(line, directive as written, its expression) of each #if and #elif
    evaluated (and #ifdef, #ifndef with ifdefs) whose block holds PM code or
    a callback of the model's tables and drivers."""
    directives = list(_DIRECTIVE.finditer(source))
    if not directives:
        return []
    callbacks = sorted({s.callback for o in (*model.tables, *model.drivers) for s in o.slots}
                       if model is not None else ())
    pm_code = PM_CODE if not callbacks else re.compile(
        PM_CODE.pattern + rb"|\b(?:" + b"|".join(re.escape(c.encode()) for c in callbacks)
        + rb")\b")
    out = []
    for index, m in _conditions(directives, ifdefs):
        if pm_code.search(source, m.end(), _block_end(directives, index)):
            line = source.count(b"\n", 0, m.start()) + 1
            text = b" ".join(_COMMENT.sub(b" ", m.group(0).replace(b"\\\n", b" ")).split())
            out.append((line, text.decode("utf-8", "replace"), m.group(2)))
    return out


def _conditions(directives: list, ifdefs: bool = False) -> list:
    """The #if and #elif directives (and #ifdef, #ifndef with ifdefs) the
    preprocessor evaluates: not those under an `#if 0`."""
    out, dead = [], None   # dead: the depth of the #if 0 whose first branch we are in
    depth = 0
    for index, m in enumerate(directives):
        kind = m.group(1)
        if kind.startswith(b"if"):
            depth += 1
            if dead is None and kind == b"if":
                if _COMMENT.sub(b"", m.group(2)).strip() == b"0":
                    dead = depth
                else:
                    out.append((index, m))
            elif dead is None and ifdefs and kind != b"if":
                out.append((index, m))
        elif kind in (b"elif", b"else"):
            if dead == depth:
                dead = None
            if dead is None and kind == b"elif":
                out.append((index, m))
        elif kind == b"endif":
            if dead == depth:
                dead = None
            depth -= 1
    return out


def _block_end(directives: list, index: int) -> int:
    """Where the #if block a directive belongs to ends: its #endif (the whole block, every branch)."""
    depth = 0
    for m in directives[index + 1:]:
        kind = m.group(1)
        if kind.startswith(b"if"):
            depth += 1
        elif kind == b"endif":
            if depth == 0:
                return m.start()
            depth -= 1
    return len(directives[-1].string)


def _unknown(expression: bytes, defined: set[str]) -> tuple[tuple[str, ...], bool]:
    """The names the expression uses that nothing defines, and whether one is used as a function."""
    text = _NOT_MACROS.sub(b" ", _COMMENT.sub(b" ", expression.replace(b"\\\n", b" ")))
    names: list[str] = []
    at = 0
    while m := _NAME.search(text, at):
        name, at = m.group(1).decode(), m.end()
        if m.group(2):   # a macro's arguments are its own business: KERNEL_VERSION(5, 4, 0)
            at = _after_arguments(text, at)
        shown = name + "()" if m.group(2) else name
        if name not in defined and not _PREDEFINED.fullmatch(name) and shown not in names:
            names.append(shown)
    return tuple(names), any(n.endswith("()") for n in names)


def _after_arguments(text: bytes, at: int) -> int:
    """Where the parenthesised arguments that start before `at` end."""
    depth = 1
    while at < len(text) and depth:
        depth += {b"("[0]: 1, b")"[0]: -1}.get(text[at], 0)
        at += 1
    return at


def _definitions(path: str, source: bytes) -> set[str]:
    """The macros the file and the local headers it includes (through others too) define."""
    found = {m.decode() for m in _DEFINE.findall(source)}
    seen: set[str] = set()
    todo = [(path, source)]
    while todo and len(seen) < _MAX_HEADERS:
        here, text = todo.pop()
        for name in include_names(text):
            header = os.path.normpath(os.path.join(os.path.dirname(here), name))
            if header in seen:
                continue
            seen.add(header)
            try:
                with open(header, "rb") as f:
                    body = f.read()
            except OSError:
                continue
            found |= {m.decode() for m in _DEFINE.findall(body)}
            todo.append((header, body))
    return found


def strip_comments(text: bytes) -> bytes:
    return _COMMENT.sub(b" ", text)
