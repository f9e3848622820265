"""Renaming a macro call as a maintainer would: the arguments as written, the
line breaks kept, and what was aligned kept aligned.

A continuation line indented past the call's '(' keeps its column relative
to the '(' when the name grows or shrinks; a macro line's trailing '\\' stays
at its column. Only a call that would then be longer than the line limit is
laid out again (its arguments spelled as written, filled after the '('), and
only if no argument spans lines and it holds no comment or '\\'.
"""
from __future__ import annotations

import re

from pmlint.text import ctext

MAX_WIDTH = 100  # checkpatch.pl's default line length
PREFERRED_WIDTH = 80  # coding-style.rst's preference
_CONTINUED = re.compile(rb"^(.*?)([ \t]*)\\$", re.S)


def fits(lines: list[bytes], limit: int = MAX_WIDTH) -> bool:
    return all(ctext.width(line) <= limit for line in lines)


def rename_call(source: bytes, masked: bytes, start: int, old: str, new: str) -> list[tuple[int, int, bytes]]:
    """The edits (start, end, text) renaming the call of `old` at `start`: the
    name, and the lines whose alignment follows it."""
    open_at = masked.index(b"(", start)
    close = ctext.closing(masked, open_at)
    ls = ctext.line_start(source, start)
    starts = [ls] + [i + 1 for i in range(ls, close) if source[i] == ord("\n")]
    written = [source[s:ctext.line_end(source, s)].rstrip(b"\n") for s in starts]
    # Keep to 80 columns where the call did.
    limit = PREFERRED_WIDTH if fits(written, PREFERRED_WIDTH) else MAX_WIDTH
    paren = ctext.width(source[ls:open_at])
    delta = len(new) - len(old)
    lines = [_keep_backslash(written[0], written[0][:start - ls] + new.encode() + written[0][start - ls + len(old):])]
    for line in written[1:]:
        indent = re.match(rb"[ \t]*", line).group()
        col = ctext.width(indent)
        moved = ctext.indent_to(col + delta) + line[len(indent):] if col > paren and line.strip() else line
        lines.append(_keep_backslash(line, moved))
    if not fits(lines, limit):
        refilled = _refill(source, masked, ls, start, new, open_at, close, limit)
        if refilled is not None:
            return [refilled]
    name_only = lines[0] == written[0][:start - ls] + new.encode() + written[0][start - ls + len(old):]
    edits = [(start, start + len(old), new.encode()) if name_only
             else (start, starts[0] + len(written[0]), lines[0][start - ls:])]
    edits += [(s, s + len(w), n) for s, w, n in zip(starts[1:], written[1:], lines[1:]) if w != n]
    return edits


def _keep_backslash(before: bytes, after: bytes) -> bytes:
    """`after` with its trailing '\\' at the column it had in `before`."""
    old, new = _CONTINUED.match(before), _CONTINUED.match(after)
    if not old or not new or old.group(1) == new.group(1):
        return after
    if b"\t" not in old.group(2) and len(old.group(2)) < 2:   # not aligned: as it was
        return new.group(1) + old.group(2) + b"\\"
    target = ctext.width(old.group(1) + old.group(2))
    text = new.group(1)
    col = ctext.width(text)
    if col >= target:
        return text + b" \\"
    pad = b""
    if b"\t" in old.group(2):
        while (col // ctext.TAB + 1) * ctext.TAB <= target:
            pad += b"\t"
            col = (col // ctext.TAB + 1) * ctext.TAB
    return text + pad + b" " * (target - col) + b"\\"


def _refill(source: bytes, masked: bytes, ls: int, start: int, new: str, open_at: int,
            close: int, limit: int) -> tuple[int, int, bytes] | None:
    """The call laid out again, its arguments filled after the '(' up to the limit."""
    span = source[open_at:close]
    if masked[open_at:close] != span or b"\\" in span:
        return None
    args = [source[s:e].strip() for s, e in ctext.split_args(masked, open_at, close)]
    if any(b"\n" in a for a in args):
        return None
    tail = source[close:ctext.line_end(source, close)].rstrip(b"\n")
    head = source[ls:start] + new.encode() + b"("
    indent = ctext.indent_to(ctext.width(head))
    lines, line = [], head
    for i, arg in enumerate(args):
        piece = arg + (b"," if i < len(args) - 1 else tail)
        if i and ctext.width(line + b" " + piece) > limit:
            lines.append(line)
            line = indent + piece
        else:
            line += (b" " if i else b"") + piece
    lines.append(line)
    return ls, close + len(tail), b"\n".join(lines)


def apply(source: bytes, edits) -> bytes:
    """The text with every edit (pmlint.fixes.plan.Edit) made; edits never overlap."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edits at byte {e.start}")
        out += [source[pos:e.start], e.text]
        pos = e.end
    out.append(source[pos:])
    return b"".join(out)
