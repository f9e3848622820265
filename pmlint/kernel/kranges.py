"""The versions a file's version checks tell apart within a range
(`--kernel-version A..B`): one representative kernel per interval on
which every check of the file has one outcome.

A text scan of the #if and #elif lines for LINUX_VERSION_CODE compared
with KERNEL_VERSION(a, b, c) or with a number (0x050400, 328704, as
version.h encodes a.b.c): each comparison changes its outcome at one
version (>= and < at the version named, > and <= at the next sublevel; ==
and != at both, and so does a KERNEL_VERSION() pmlint cannot read as a
comparison).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pmlint.kernel import kversion
from pmlint.kernel.kversion import Version

# At most this many intervals: each is a parse of the file.
BOUND = 8

_CONDITION = re.compile(rb"^[ \t]*#[ \t]*(?:if|elif)\b((?:[^\n]*\\\n)*[^\n]*)", re.M)
_KV = rb"KERNEL_VERSION\s*\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)"
_VERSION = rb"(" + _KV + rb"|(?<![\w.])(?:0[xX][0-9a-fA-F]+|\d+))[uUlL]*"
_OP = rb"\s*(>=|<=|==|!=|<|>)\s*"
_COMPARED = re.compile(rb"LINUX_VERSION_CODE" + _OP + _VERSION + rb"|" + _VERSION + _OP
                       + rb"LINUX_VERSION_CODE|(" + _KV + rb")")
_NUMBERS = re.compile(rb"\d+")
_MIRRORED = {b">=": b"<=", b"<=": b">=", b">": b"<", b"<": b">", b"==": b"==", b"!=": b"!="}


@dataclass(frozen=True)
class Interval:
    first: Version
    last: Version

    @property
    def shown(self) -> str:
        return kversion.span(self.first, self.last)


@dataclass(frozen=True)
class Split:
    intervals: tuple[Interval, ...]   # each analysed at its first version
    cut: tuple[Version, ...] = ()     # changes past the bound, not analysed apart
    cut_line: int = 0                 # the first #if that names one of them


def thresholds(source: bytes) -> dict[Version, int]:
    """Each version at which one of the file's checks changes its outcome, with the line of its first #if."""
    out: dict[Version, int] = {}
    for m in _CONDITION.finditer(source):
        line = source.count(b"\n", 0, m.start()) + 1
        for c in _COMPARED.finditer(m.group(1)):
            if c.group(1):
                op, at = c.group(1), _version(c.group(2))
            elif c.group(4):
                op, at = _MIRRORED[c.group(4)], _version(c.group(3))
            else:
                op, at = b"==", _version(c.group(5))
            changes = {b">=": [at], b"<": [at], b">": [_next(at)], b"<=": [_next(at)]}.get(
                op, [at, _next(at)])
            for v in changes:
                out.setdefault(v, line)
    return out


def split(source: bytes, first: Version, last: Version, bound: int = BOUND) -> Split:
    """The intervals of first..last on which the file's version checks do not change."""
    found = thresholds(source) if b"VERSION" in source else {}
    inside = sorted(v for v in found if first < v <= last)
    kept, cut = inside[:bound - 1], inside[bound - 1:]
    starts = [first, *kept]
    ends = [kversion.before(v) for v in kept] + [last]
    return Split(tuple(Interval(a, b) for a, b in zip(starts, ends)), tuple(cut),
                 min((found[v] for v in cut), default=0))


def _version(text: bytes) -> Version:
    """KERNEL_VERSION(a, b, c), or a number as version.h encodes it."""
    if text.startswith(b"KERNEL_VERSION"):
        return tuple(min(int(n), 255) for n in _NUMBERS.findall(text))
    code = int(text, 16 if text[:2] in (b"0x", b"0X") else 8 if text[:1] == b"0" else 10)
    return (code >> 16, (code >> 8) & 255, code & 255)


def _next(version: Version) -> Version:
    a, b, c = version
    return (a, b, c + 1) if c < 255 else (a, b + 1, 0)
