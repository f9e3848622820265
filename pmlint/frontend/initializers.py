"""Reading one translation unit's cursors: locations, the words written there,
and initializer lists as the Slots (member, callback, macros) they set.
"""
from __future__ import annotations

import re
from functools import cached_property

from clang import cindex

from pmlint.frontend.clang import (CK, _EXTRAS, _RECURSE, _TYPE_REF, _children, _evaluate_int,
                                   _file_is, _in_file, _main_file)
from pmlint.frontend.drivers import member_type as _member_type
from pmlint.frontend.textfacts import _IDENT, _MACRO_DEFINITION, _PM_TEXT
from pmlint.model import Location, Slot

# The prelude's marker types: a cast to __pmlint_via_M means macro M set the value.
_VIA = "__pmlint_via_"


class _Initializers:
    """One translation unit's cursors of the main file: their locations, the
    words written there, and initializer lists read as Slots."""

    def __init__(self, path: str, shown: str, source: bytes, lines: list[bytes],
                 tu: cindex.TranslationUnit):
        self.clang_path = path   # the name clang knows the file by
        self.path = shown        # the name locations report
        self.source = source
        self.lines = lines       # source split at newlines
        self.tu = tu
        self.main = _main_file(tu, path)

    def _in_main(self, cursor) -> bool:
        return _in_file(cursor.location, self.clang_path, self.main)

    def _loc(self, cursor) -> Location:
        loc = cursor.location
        return Location(self.path, loc.line, loc.column)

    def _word_at(self, loc: Location) -> str:
        """The identifier written at a location (a macro name when expanded)."""
        if 0 < loc.line <= len(self.lines):
            m = _IDENT.match(self.lines[loc.line - 1], max(loc.column - 1, 0))
            if m:
                return m.group().decode("utf-8", "replace")
        return ""

    def _init_list(self, cur):
        """The initializer list of a variable, looking through recovery wrappers."""
        for child in _children(cur):
            node = child
            while node.kind == CK.UNEXPOSED_EXPR:
                kids = _children(node)
                if len(kids) != 1:
                    break
                node = kids[0]
            if node.kind == CK.INIT_LIST_EXPR:
                return node
        return None

    def _may_set_pm(self, cur) -> bool:
        """Whether a struct's initializer can set a PM member: its text names one,
        or names a macro of the file's that does. Walking the initializers of
        the many structs that cannot (regmap, clock, ops tables) was a tenth
        of the time spent on a driver."""
        ext = cur.extent
        start, end = ext.start, ext.end
        if not _file_is(start, self.clang_path, self.main):
            return True
        text = self.source[start.offset:end.offset + 1]
        if _PM_TEXT.search(text):
            return True
        macros = self._pm_macros
        return macros is not None and macros.search(text) is not None

    @cached_property
    def _pm_macros(self) -> re.Pattern | None:
        """The file's macros whose expansion can name a PM member (directly,
        or through another such macro: OUTER(x) expanding to INNER(x)), as
        one pattern; None if there are none."""
        bodies = {m.group(1): set(_IDENT.findall(m.group(2)))
                  for m in _MACRO_DEFINITION.finditer(self.source)}
        found = {name for name, words in bodies.items()
                 if any(_PM_TEXT.search(w) for w in words)}
        while more := {name for name, words in bodies.items() if name not in found and words & found}:
            found |= more
        return re.compile(rb"\b(?:" + b"|".join(sorted(found)) + rb")\b") if found else None

    def _members(self, init, ctype, wanted=None, nulls=False, nested=None):
        """The non-NULL members, as C sets them: a later initializer of a member
        replaces an earlier one (SET_SYSTEM_SLEEP_PM_OPS(...) then .freeze = NULL).
        With nulls, also the names of the members last set to NULL."""
        last: dict[str, Slot | None] = {}
        for name, slot in self._slots(init, ctype, wanted=wanted, nested=nested):
            last[name] = slot
        slots = tuple(s for s in last.values() if s is not None)
        if nulls:
            return slots, tuple(n for n, s in last.items() if s is None)
        return slots

    def _slots(self, init, ctype, prefix: str = "", wanted=None, nested=None):
        """Yield (member, Slot, or None for NULL) for every member an initializer list sets.

        wanted(name), when given, picks the members to resolve: resolving a
        value (its tokens, its macros) is the costly part, and a driver
        struct has many members that are not about PM. nested, a dict, gets
        the location of every nested initializer list by its member path
        (an array's elements are members "[0]", "[1]", ...).
        """
        fields = None   # member names: asked for only when a value is positional
        index, named = 0, []   # a positional value's member; designators since it was set
        for item in _children(init):
            kids = _children(item)
            refs = []
            while len(refs) < len(kids) and kids[len(refs)].kind == CK.MEMBER_REF:
                refs.append(kids[len(refs)].spelling)
            if refs:
                value = kids[len(refs)] if len(kids) > len(refs) else None
                path = refs
                named.append(refs[0])
            elif item.kind == CK.UNEXPOSED_EXPR and (designated := self._designator_text(item)):
                path = designated
                named.append(path[0])
                value = kids[-1] if kids else None
            else:
                if fields is None:
                    fields = _field_names(ctype)
                # C: a positional value sets the member after the last one designated.
                index = next((fields.index(n) + 1 for n in reversed(named) if n in fields), index)
                named = []
                if index >= len(fields):
                    continue
                path, value = [fields[index]], item
                index += 1
            if value is None:
                continue
            name = ".".join(([prefix] if prefix else []) + path).replace(".[", "[")
            inner = _unwrap(value)
            if inner.kind == CK.INIT_LIST_EXPR:
                if nested is not None:
                    nested.setdefault(name, self._loc(inner))
                yield from self._slots(inner, _member_type(ctype, path), name, wanted, nested)
                continue
            if wanted is not None and not wanted(name):
                continue
            callback = _callback_name(value)
            if not callback:
                yield name, None
                continue
            loc = self._loc(item)
            word = self._word_at(loc)
            yield name, Slot(name, callback, loc, word or path[-1], _macros(value))

    def _designator_text(self, item) -> list[str]:
        """Member path of a designator clang could not resolve, or of an array
        index ("[2]", "[FOO_IDX]" as written; a GNU range is none), from its tokens."""
        path, expect_name, index = [], False, None
        for tok in item.get_tokens():
            s = tok.spelling
            if index is not None:
                if s == "...":
                    return []
                if s == "]":
                    path.append(f"[{''.join(index)}]")
                    index = None
                else:
                    index.append(s)
            elif s == "=":
                return path
            elif s == "[" and not expect_name:
                index = []
            elif s == ".":
                expect_name = True
            elif expect_name and _IDENT.fullmatch(s.encode()):
                path.append(s)
                expect_name = False
            else:
                return []
        return []


def _field_names(ctype) -> list[str]:
    """Member names in order; none for a struct pmlint made up, whose order means nothing.
    An array's are its elements, "[0]", "[1]", ..."""
    t = ctype.get_canonical()
    if t.kind == cindex.TypeKind.CONSTANTARRAY:
        return [f"[{i}]" for i in range(t.get_array_size())]
    if t.kind != cindex.TypeKind.RECORD:
        return []
    where = t.get_declaration().location.file
    if where is not None and where.name == _EXTRAS:
        return []
    return [f.spelling for f in t.get_fields()]


_TRANSPARENT = {CK.UNEXPOSED_EXPR, CK.PAREN_EXPR, CK.CSTYLE_CAST_EXPR}


def _unwrap(cursor):
    while cursor.kind in _TRANSPARENT:
        kids = _children(cursor)
        if not kids:
            break
        cursor = kids[-1]
    return cursor


def _macros(cursor) -> tuple[str, ...]:
    """The pm.h macros a value went through, outermost first (the prelude's markers)."""
    if cursor.kind == CK.TYPE_REF:   # the value itself: not below it
        return (cursor.spelling[len(_VIA):],) if cursor.spelling.startswith(_VIA) else ()
    names = (n[len(_VIA):] for n in _spellings_below(cursor, _TYPE_REF) if n.startswith(_VIA))
    return tuple(dict.fromkeys(names))


def _spellings_below(cursor, kind: int) -> list[str]:
    """The names of the cursors of one kind below a cursor, in source order.

    A raw libclang visit: the kind is a field of each cursor passed, so the
    many others cost no call, where walk_preorder() builds a Python object
    for every node of the subtree."""
    found = []

    def visit(child, parent, data) -> int:
        if child._kind_id == kind:
            found.append(cindex.conf.lib.clang_getCursorSpelling(child))
        return _RECURSE
    cindex.conf.lib.clang_visitChildren(cursor, cindex.callbacks["cursor_visit"](visit), None)
    return found


def _callback_name(cursor) -> str | None:
    """Resolve an initializer value to the function or object it names.

    Casts, parentheses and '&' are looked through; '?:' with a constant
    condition (pm_ptr, pm_sleep_ptr, PTR_IF) takes the branch the compiler
    would; a null pointer constant gives None.
    """
    node = _unwrap(cursor)
    if node.kind == CK.UNARY_OPERATOR:
        kids = _children(node)
        return _callback_name(kids[0]) if kids else None
    if node.kind == CK.CONDITIONAL_OPERATOR:
        cond, yes, no = _children(node)[:3]
        value = _evaluate_int(cond)
        return _callback_name(no if value == 0 else yes)
    if node.kind == CK.DECL_REF_EXPR:
        return node.spelling
    if node.kind in (CK.INTEGER_LITERAL, CK.GNU_NULL_EXPR, CK.CXX_NULL_PTR_LITERAL_EXPR):
        return None
    if node.kind == CK.MEMBER_REF_EXPR:
        return node.spelling
    text = " ".join(t.spelling for t in node.get_tokens())
    return text or None
