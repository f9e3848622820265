"""A driver's probe given as an argument, not as its `.probe` member:
`module_platform_driver_probe(drv, probe)`, `builtin_platform_driver_probe()`,
`platform_driver_probe(&drv, probe)`, `__platform_driver_probe()` and
`platform_create_bundle(&drv, probe, ...)` (include/linux/platform_device.h).

Read from the text: the macros expand into function bodies, which the parse
skips.
"""
from __future__ import annotations

import dataclasses
import re

from pmlint.frontend.textfacts import _NOT_CODE
from pmlint.model import DriverObject

_GIVEN = re.compile(
    rb"\b(?:(?:module_|builtin_|__)?platform_driver_probe|platform_create_bundle)\s*\("
    rb"\s*&?\s*\(?\s*(\w+)\s*\)?\s*,\s*(\w+)\s*[,)]")


def given_probes(source: bytes) -> dict[str, str]:
    """Driver variable -> the probe function the code passes with it."""
    if b"platform_driver_probe" not in source and b"platform_create_bundle" not in source:
        return {}
    code = _NOT_CODE.sub(lambda m: b" " * len(m.group()), source)
    out: dict[str, str] = {}
    for m in _GIVEN.finditer(code):
        out.setdefault(m.group(1).decode(), m.group(2).decode())
    return out


def with_given_probes(drivers: list[DriverObject], source: bytes) -> list[DriverObject]:
    """The driver objects, each without a `.probe` given the one passed with it."""
    given = given_probes(source) if any(not d.probe for d in drivers) else {}
    return [dataclasses.replace(d, probe=given[d.name]) if not d.probe and d.name in given else d
            for d in drivers]
