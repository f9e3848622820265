"""Kernel versions as pmlint takes them: `--kernel-version X.Y[.Z]` or `A..B`.

A version is (major, patchlevel, sublevel); its code is LINUX_VERSION_CODE's,
as include/generated/uapi/linux/version.h computes it (KERNEL_VERSION(a,b,c)
with the sublevel capped at 255). The prelude defines LINUX_VERSION_CODE from
the code given here, so a file's version checks are evaluated against it.
"""
from __future__ import annotations

import re

Version = tuple[int, int, int]

# The newest kernel whose pm.h the prelude models: the default.
NEWEST: Version = (6, 12, 0)
# The macro the prelude builds LINUX_VERSION_CODE and the rest of version.h from.
CODE_MACRO = "__PMLINT_KERNEL_VERSION_CODE"
# The last patchlevel of each major before the next one's .0, to name the
# version before X.0 (2.6 ended at 2.6.39, then 3.0).
_LAST_PATCHLEVEL = {3: 19, 4: 20, 5: 19}
_ONE = re.compile(r"(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?")


class VersionError(ValueError):
    pass


def parse_one(text: str) -> Version:
    m = _ONE.fullmatch(text.strip())
    if not m:
        raise VersionError(f"{text!r} is not a kernel version (X.Y or X.Y.Z, e.g. 5.15 or 6.1.38)")
    version = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
    if version[0] < 2 or version[1] > 255 or version[2] > 255:
        raise VersionError(f"{text!r} is not a kernel version pmlint can evaluate "
                           "(2.0 or later; patchlevel and sublevel up to 255)")
    return version


def parse(text: str) -> tuple[Version, Version]:
    """`X.Y[.Z]` as (v, v), `A..B` as (A, the last of B): B = 5.16 means every 5.16.z."""
    if not isinstance(text, str):
        raise VersionError(f"{text!r} is not a kernel version (a string such as \"5.15\")")
    low, dots, high = text.partition("..")
    first = parse_one(low)
    if not dots:
        return first, first
    last = parse_one(high)
    if high.strip().count(".") == 1:   # X.Y: all its sublevels
        last = (last[0], last[1], 255)
    if last < first:
        raise VersionError(f"{text!r}: the range ends before it starts")
    return first, last


def code(version: Version) -> int:
    a, b, c = version
    return (a << 16) + (b << 8) + min(c, 255)


def define(version: Version) -> str:
    """The -D the parser is given for a version (NAME=VALUE)."""
    return f"{CODE_MACRO}={code(version)}"


def shown(version: Version) -> str:
    """5.4 for 5.4.0, 6.1.38 otherwise."""
    return f"{version[0]}.{version[1]}" + (f".{version[2]}" if version[2] else "")


def before(version: Version) -> Version:
    """The version just before one, as a range's end: 5.16.255 before 5.17."""
    a, b, c = version
    if c:
        return (a, b, c - 1)
    if b:
        return (a, b - 1, 255)
    return (a - 1, _LAST_PATCHLEVEL.get(a - 1, 255), 255)


def span(first: Version, last: Version) -> str:
    """A range as people write it: 5.4..5.16 (a .255 end is the whole patchlevel)."""
    end = f"{last[0]}.{last[1]}" if last[2] == 255 else shown(last)
    return shown(first) if first == last else f"{shown(first)}..{end}"
