"""Driver objects of a file-scope variable, wherever its initializer holds them.

A driver object is the variable itself (`struct pci_driver foo = {...}`), an
element of an array of structs (`struct platform_driver drivers[] = {...}`),
or a bus driver struct inside a vendor's wrapper (`struct foo_priv x =
{ .pdrv = { .suspend = ... } }`, or `.pdrv.suspend = ...`), at any depth.
A member belongs to the innermost object that holds it, so a wrapper's
`.pdrv.driver.pm` is the `pm` of `x.pdrv`, a `pci_driver`, as if it stood at
file scope.
"""
from __future__ import annotations

import dataclasses
import re

from clang import cindex

from pmlint.model import DriverObject

# Legacy PM callbacks a driver object can have (reset_resume, suspend_late
# and resume_early contain one of them).
PM_WORDS = "suspend|resume|freeze|thaw|restore|poweroff|shutdown"
_LEGACY = rf"{PM_WORDS}|reset_resume|suspend_late|resume_early"
# PM-relevant members of a driver object, as "a.b" paths from the object.
DRIVER_MEMBERS = re.compile(rf"^(?:.*\.)?pm$|^(?:{_LEGACY})$")
# A member's own name that is one of them.
_MEMBER_NAME = re.compile(rf"(?:pm|{_LEGACY})$")
# The members naming a driver object's probe (i2c's probe_new on older kernels).
PROBE_MEMBERS = ("probe", "probe_new")
# A member path that is one of them, or a probe, from some object it is nested in.
_MAY_BE_MEMBER = re.compile(rf"(?:^|\.)(?:pm|{_LEGACY}|{'|'.join(PROBE_MEMBERS)})$")
# The names of a member path: "a", "b", "[1]" of "a.b[1]".
_PATH_NAMES = re.compile(r"\[[^]]*\]|[^.[]+")
# The driver struct every bus driver embeds: its members are the bus driver's.
_GENERIC_DRIVER = "device_driver"


def driver_objects(parser, cur, tag: str | None) -> list[DriverObject]:
    """The driver objects a variable of struct type `tag` (None: another type) holds."""
    if tag is None:
        t = cur.type.get_canonical()
        if t.kind != cindex.TypeKind.CONSTANTARRAY or not _may_hold_driver(t.get_array_element_type()):
            return []
    if tag != "xenbus_driver" and not parser._may_set_pm(cur):
        return []
    init = parser._init_list(cur)
    if init is None:
        return []
    nested: dict = {}   # member path -> location of its initializer list
    slots = parser._members(init, cur.type, _MAY_BE_MEMBER.search, nested=nested)
    objects = {"": tag} if tag is not None else {}
    for path in sorted(set(nested) | {p for s in slots for p in _prefixes(s.name)}):
        if (inner := _object_tag(cur.type, path)) is not None:
            objects[path] = inner
    owned: dict[str, list] = {path: [] for path in objects}
    probes: dict[str, str] = {}
    for slot in slots:
        path = max((p for p in objects if _within(slot.name, p)), key=len, default=None)
        if path is None:
            continue
        name = slot.name[len(path):].lstrip(".")
        if DRIVER_MEMBERS.match(name):
            owned[path].append(dataclasses.replace(slot, name=name))
        elif name in PROBE_MEMBERS:
            probes.setdefault(path, slot.callback)
    out = []
    for path, inner in objects.items():
        if not owned[path] and inner != "xenbus_driver":
            continue
        if not path:
            out.append(DriverObject(cur.spelling, inner, parser._loc(cur), tuple(owned[path]),
                                    probe=probes.get(path, "")))
            continue
        where = nested.get(path) or min(s.location for s in owned[path])
        joined = cur.spelling + ("" if path.startswith("[") else ".") + path
        out.append(DriverObject(joined, inner, where, tuple(owned[path]), probe=probes.get(path, "")))
    return sorted(out, key=lambda d: (d.location, d.name))


def _may_hold_driver(ctype) -> bool:
    """Whether an array's element can be or hold a driver object: a struct with
    a PM member or a struct member. Id tables and register defaults, arrays
    of structs of scalars, are many and long: scanning their text for the
    pre-check took more than walking the drivers."""
    t = ctype.get_canonical()
    if t.kind != cindex.TypeKind.RECORD:
        return False
    return any(_MEMBER_NAME.match(f.spelling)
               or f.type.get_canonical().kind in (cindex.TypeKind.RECORD, cindex.TypeKind.CONSTANTARRAY)
               for f in t.get_fields())


def _prefixes(name: str) -> list[str]:
    """The member paths a member path is nested in: "a", "a.b" of "a.b.c"."""
    out, at = [], 0
    for m in _PATH_NAMES.finditer(name):
        if at:
            out.append(name[:at])
        at = m.end()
    return out


def _within(name: str, path: str) -> bool:
    return not path or (name.startswith(path) and name[len(path):len(path) + 1] in (".", "["))


def _object_tag(ctype, path: str) -> str | None:
    """The struct tag of a member path if what it names is a driver object of
    its own: an array's element, or a bus driver struct (but not the
    device_driver inside every bus driver)."""
    tag = struct_tag(member_type(ctype, _PATH_NAMES.findall(path)))
    if tag is None or path.endswith("]"):
        return tag
    return tag if tag.endswith("_driver") and tag != _GENERIC_DRIVER else None


def struct_tag(ctype) -> str | None:
    t = ctype.get_canonical()
    if t.kind != cindex.TypeKind.RECORD:
        return None
    return t.get_declaration().spelling or None


def member_type(ctype, path):
    """The type of a member path ("[1]": an array's element)."""
    t = ctype.get_canonical()
    for name in path:
        if t.kind == cindex.TypeKind.CONSTANTARRAY and name.startswith("["):
            t = t.get_array_element_type().get_canonical()
            continue
        if t.kind != cindex.TypeKind.RECORD:
            return t
        for f in t.get_fields():
            if f.spelling == name:
                t = f.type.get_canonical()
                break
    return t
