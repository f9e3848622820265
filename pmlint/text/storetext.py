"""The stores a body makes through pointers, and where those pointers come from.

Text facts for the effect model, read with the bodies (pmlint.text.bodytext): a
store `lcd->screen &= ~SEN;` and the names of the pointers it goes through;
for each such name, what the file assigns to it or declares it as (a call's
result, a fixed address, `__iomem`, a struct the file defines with volatile
members). Which of those mean device memory is the effect model's to say
(pmlint.kernel.effects), not the reader's.
"""
from __future__ import annotations

import re

from pmlint.model import PointerOrigin
from pmlint.text import ctext

_INDEX = rb"(?:\s*\[[^\]\n]*\])*"
# A store through at least one `->`: name[i]->member.member[j] op= (not ==).
_STORE = re.compile(
    rb"\b([A-Za-z_]\w*" + _INDEX + rb"(?:\s*(?:->|\.)\s*[A-Za-z_]\w*" + _INDEX + rb")+)"
    rb"\s*((?:[-+*/%|&^]|<<|>>)?)=(?!=)")
_SEGMENT = re.compile(rb"([A-Za-z_]\w*)" + _INDEX + rb"\s*(->|\.|$)")
_STRUCT = re.compile(rb"\bstruct\s+(\w+)\s*\{")
_VOLATILE = re.compile(rb"\bvolatile\b")
_BRACE = re.compile(rb"[{}]")
_OPEN = re.compile(rb"\s*\(")
# `(void *)TYPE_A` is how of_device_id and friends carry a constant, not an
# address: a fixed address is cast to what is there.
_VOID = re.compile(rb"\(\s*(?:const\s+)?void\b")
# A pointer cast: (struct foo *), (void __iomem *), (volatile u32 *).
_CAST = rb"(?:\(\s*(?:\w+\s+)*\w+\s*\*+\s*\)\s*)"
# A plain store's value when it is a call's result, cast or not: `= readl(`.
_VALUE = re.compile(rb"\s*(?:\(\s*(?:\w+\s+)*\w+\s*\**\s*\)\s*)?([A-Za-z_]\w*)\s*\(")
_EXPR_SHOWN = 120   # characters of a plain store's value kept, as of a call's arguments


def stores_in(text: bytes, start: int, end: int):
    """(target, pointer names, value, expression, offset) of each store
    through `->` in text[start:end]; value is the name of the call whose
    result a plain store writes (`p->saved = readl(...)`), or ""; expression
    what a plain store writes, as written, blanks folded (`val`,
    `readl(base + CTRL)`), or "" for a compound one (`|=`)."""
    for m in _STORE.finditer(text, start, end):
        target = m.group(1)
        if b"->" not in target:
            continue
        pointers = tuple(s.group(1).decode() for s in _SEGMENT.finditer(target) if s.group(2) == b"->")
        plain = not m.group(2)
        value = _VALUE.match(text, m.end(), end) if plain else None
        yield (b"".join(target.split()).decode(), pointers,
               value.group(1).decode() if value else "",
               _expression(text, m.end(), end) if plain else "", m.start(1))


# A plain assignment to a variable: `regval = ...;`, `u8 regval = ...;`
# (not `==`, `<=`, a compound one or a member: the store's own pattern).
_ASSIGN = re.compile(rb"\b([A-Za-z_]\w*)\s*=(?!=)")


def assignments_in(text: bytes, start: int, end: int):
    """(variable, expression, offset) of each plain assignment to a
    variable in text[start:end], the expression as stores_in gives it."""
    for m in _ASSIGN.finditer(text, start, end):
        before = text[max(start, m.start() - 2):m.start()].rstrip()
        if before.endswith((b".", b"->")):
            continue
        yield m.group(1).decode(), _expression(text, m.end(), end), m.start(1)


_IF = re.compile(rb"\bif\s*\(")
_STATEMENT_END = re.compile(rb"[;(){}]")


# A statement that leaves the function: the last of a guarded block, or the
# guarded statement itself.
_LEAVES = re.compile(rb"(?:^|[;{}])\s*(?:return\b[^;]*|goto\s+\w+\s*);\s*\}?\s*$")


def guards_in(text: bytes, start: int, end: int):
    """(condition, offset of the `if`, offset where the statement it guards
    ends, whether that statement leaves the function) of each `if` in
    text[start:end]; the condition as written, blanks folded. The statement
    is the braced block after the condition, or up to the `;` that ends it;
    an `else` is not part of it. It leaves when it is a `return` or a
    `goto`, or a block whose last statement is one."""
    for m in _IF.finditer(text, start, end):
        close = ctext.closing(text, m.end() - 1)
        if close < 0 or close >= end:
            continue
        condition = b" ".join(text[m.end():close].split())[:_EXPR_SHOWN].decode("utf-8", "replace")
        after = close + 1
        while after < end and text[after] in b" \t\r\n":
            after += 1
        if text[after:after + 1] == b"{":
            last = ctext.closing(text, after)
        else:
            last, depth = -1, 0
            for s in _STATEMENT_END.finditer(text, after, end):
                c = s.group()
                if c in b"({":
                    depth += 1
                elif c in b")}":
                    depth -= 1
                    if depth < 0:
                        break
                elif depth == 0:
                    last = s.start()
                    break
        if 0 <= last < end:
            yield condition, m.start(), last, _LEAVES.search(text[after:last + 1]) is not None


def _expression(text: bytes, start: int, end: int) -> str:
    """The value a plain store writes: up to its `;` (or the `,` or `)` that
    ends it in a for header or a call), brackets matched."""
    depth, stop = 0, min(end, start + 4 * _EXPR_SHOWN)
    for i in range(start, stop):
        c = text[i:i + 1]
        if c in b"([{":
            depth += 1
        elif c in b")]}" and depth:
            depth -= 1
        elif not depth and c in b";,)]}":
            stop = i
            break
    return b" ".join(text[start:stop].split())[:_EXPR_SHOWN].decode("utf-8", "replace")


def _volatile_structs(text: bytes) -> frozenset[bytes]:
    """The tags of the structs the file defines with a volatile member."""
    out = set()
    for m in _STRUCT.finditer(text):
        depth = 0
        for b in _BRACE.finditer(text, m.end() - 1):
            depth += 1 if b.group() == b"{" else -1
            if depth == 0:
                if _VOLATILE.search(text, m.end(), b.start()):
                    out.add(m.group(1))
                break
    return frozenset(out)


def origins(text: bytes, names) -> tuple[PointerOrigin, ...]:
    """What the file (masked text) assigns to each of `names`, a variable or a
    member, and declares it as; sorted, each once."""
    found: set[PointerOrigin] = set()
    volatile = None
    for name in sorted(set(names)):
        n = re.escape(name.encode())
        assign = re.compile(rb"(?<![\w])" + n + rb"\s*=(?!=)\s*(" + _CAST + rb")?"
                            rb"(0[xX][0-9a-fA-F]+|\d+|[A-Z][A-Z0-9_]*\b(?!\s*\()|[A-Za-z_]\w*(?=\s*\())")
        for m in assign.finditer(text):
            value = m.group(2)
            if _OPEN.match(text, m.end()):
                found.add(PointerOrigin(name, "call " + value.decode()))
            elif m.group(1) and value != b"NULL" and not _VOID.match(m.group(1)):
                found.add(PointerOrigin(name, "address"))
        declare = re.compile(rb"\b(volatile\s+)?struct\s+(\w+)\s+((?:\w+\s+)*)\*+\s*(?:const\s+)?"
                             + n + rb"\s*[;=,)\[]")
        for m in declare.finditer(text):
            if b"__iomem" in m.group(3).split():
                found.add(PointerOrigin(name, "iomem"))
            if volatile is None:
                volatile = _volatile_structs(text)
            if m.group(1) or b"volatile" in m.group(3).split() or m.group(2) in volatile:
                found.add(PointerOrigin(name, "volatile"))
    return tuple(sorted(found, key=lambda o: (o.name, o.origin)))
