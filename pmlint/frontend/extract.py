"""The FileModel of one translation unit: its tables, driver objects,
functions and PM-core callers, from its top-level declarations.
"""
from __future__ import annotations

import dataclasses
import re

from clang import cindex

from pmlint.frontend.clang import CK, _DECLARATIONS, _DECL_REF, _children, _file_is
from pmlint.frontend.drivers import driver_objects
from pmlint.frontend.drivers import struct_tag as _struct_tag
from pmlint.frontend.initializers import _Initializers, _spellings_below
from pmlint.frontend.probes import with_given_probes
from pmlint.frontend.rounds import _Diagnostic
from pmlint.frontend.statements import _SequenceBuilder
from pmlint.frontend.textfacts import _conditionals, _left_out, _skipped_text, _uses
from pmlint.model import FileModel, Function, PmSequence, PmTable, Problem

# Errors that mean an initializer was not parsed as written.
_BROKEN = re.compile(r"^expected |unterminated|missing terminating|extraneous|unmatched|"
                     r"too many errors")
# What may follow a function declarator before '{' or ';': blanks, comments,
# attributes and annotations such as __acquires(x). One token per match.
_DECLARATOR_TAIL = re.compile(rb"\s+|/\*.*?\*/|//[^\n]*|\w+(?:\s*\([^;{()]*(?:\([^;{()]*\))*[^;{()]*\))?", re.S)
# Blanks and comments, e.g. between a declarator and its '='.
_BLANKS = re.compile(rb"(?:\s+|/\*.*?\*/|//[^\n]*)*", re.S)
# A function body that does nothing: '{', then nothing or only a return of
# nothing, 0 or a negative error constant (`return -EOPNOTSUPP;` refuses the
# transition), '}'. Comments and preprocessor lines between are passed over;
# code under #if counts as written, in whichever branch (see docs/limits.md).
# Possessive, so that a body which does something fails fast.
_NOTHING = rb"(?:^[ \t]*#(?:\\\n|[^\n])*|/\*.*?\*/|//[^\n]*|\s)*+"
_CONSTANT = rb"\(?\s*(?:0|-\s*[A-Z][A-Z0-9_]*|-\s*\d+)\s*\)?"
_TRIVIAL_BODY = re.compile(
    rb"\{" + _NOTHING + rb"(?:return" + _NOTHING + rb"(?:" + _CONSTANT + rb")?" + _NOTHING + rb";"
    + _NOTHING + rb")?\}", re.S | re.M)


class _Extractor(_Initializers):
    """Walk one translation unit's top-level declarations of the main file."""

    def __init__(self, path: str, shown: str, source: bytes, lines: list[bytes],
                 tu: cindex.TranslationUnit, diagnostics: list[_Diagnostic]):
        super().__init__(path, shown, source, lines, tu)
        self.diagnostics = diagnostics
        self.syntax_errors = [(d.line, d.text) for d in diagnostics
                              if d.error and d.here and _BROKEN.search(d.text)]

    def model(self, undeclared=frozenset()) -> FileModel:
        tables: dict[str, PmTable] = {}
        drivers: list = []
        functions: dict[str, Function] = {}
        exported: set[str] = set()
        problems: list[Problem] = _skipped_text(self.path, self.diagnostics, self.lines)
        sequences: list[PmSequence] = []
        declarations: list[tuple[str, int, int]] = []  # every table declaration's text span
        # The kinds are picked in the visit, where they cost no libclang call.
        for cur in _children(self.tu.cursor, _DECLARATIONS):
            if not self._in_main(cur):
                continue
            if cur.kind == CK.FUNCTION_DECL and cur.is_definition():
                seq = _SequenceBuilder(self).sequence(cur)
                if seq is not None:
                    sequences.append(seq)
            if cur.kind == CK.FUNCTION_DECL:
                fn = self._function(cur)
                old = functions.get(fn.name)
                if old is None or (fn.defined and not old.defined):
                    functions[fn.name] = fn
            elif cur.kind == CK.VAR_DECL:
                name = cur.spelling
                if name.startswith("__pmlint_export_"):
                    exported.add(name[len("__pmlint_export_"):])
                    continue
                tag = _struct_tag(cur.type)
                if tag == "dev_pm_ops":
                    declarations.append((name, cur.extent.start.offset, cur.extent.end.offset))
                    table = self._table(cur, problems)
                    old = tables.get(name)
                    if old is None or (table.defined and not old.defined):
                        tables[name] = table
                else:
                    drivers += driver_objects(self, cur, tag)
        uses = _uses(self.path, self.source, declarations)
        tables_out = tuple(
            dataclasses.replace(t, exported=t.name in exported, uses=tuple(uses.get(t.name, ())))
            for t in sorted(tables.values(), key=lambda t: (t.location, t.name)))
        callbacks = {s.callback for t in tables_out for s in t.slots}
        functions_out = {name: self._judge_body(f) if name in callbacks else f
                         for name, f in functions.items()}
        return FileModel(self.path, tables_out, tuple(with_given_probes(drivers, self.source)),
                         tuple(sorted(functions_out.values(), key=lambda f: (f.location, f.name))),
                         tuple(problems), left_out=_left_out(self.source, undeclared),
                         conditionals=_conditionals(self.source),
                         sequences=tuple(sequences))

    def _table(self, cur, problems: list) -> PmTable:
        loc = self._loc(cur)
        word = self._word_at(loc)
        init = self._init_list(cur)
        written = init is not None or self._has_initializer_text(cur)
        slots, nulls = self._members(init, cur.type, nulls=True) if init is not None else ((), ())
        # Also the names pm_sleep_ptr() drops: the compiler still needs them declared.
        refers_to = () if init is None else tuple(dict.fromkeys(_spellings_below(init, _DECL_REF)))
        complete = True
        if written and init is None:
            complete = False
            problems.append(Problem(self.path, f"the initializer of '{cur.spelling}' could not be parsed",
                                    loc.line, loc.column))
        else:
            first, last = cur.extent.start.line, cur.extent.end.line
            errors = [text for line, text in self.syntax_errors if first <= line <= last]
            if errors:
                complete = False
                problems.append(Problem(self.path, f"syntax error in '{cur.spelling}': {errors[0]}",
                                        loc.line, loc.column))
        return PmTable(
            name=cur.spelling, location=loc,
            const=cur.type.is_const_qualified(),
            static=cur.storage_class == cindex.StorageClass.STATIC,
            defined=written,
            defined_by="designated-initializer" if word in ("", cur.spelling) else word,
            exported=False, slots=slots, complete=complete, refers_to=refers_to, nulls=nulls)

    def _function(self, cur) -> Function:
        """Bodies are skipped, so a definition is a declarator followed by '{'."""
        loc = self._loc(cur)
        start = self._body_start(cur)
        # Defined by a macro (its name is not written where it is defined):
        # the text there is not its body.
        at = start if start is not None and self._word_at(loc) == cur.spelling else None
        return Function(cur.spelling, loc, cur.is_definition() or start is not None,
                        cur.storage_class == cindex.StorageClass.STATIC, body_at=at)

    def _body_start(self, cur) -> int | None:
        """Offset of the '{' opening a function's body, when the file's text has it there."""
        if cur.is_definition():  # a body clang parsed (files that drive the PM core)
            body = next((c for c in _children(cur) if c.kind == CK.COMPOUND_STMT), None)
            end = body.extent.start if body is not None else None
        else:
            end = cur.extent.end
        if end is None or not _file_is(end, self.clang_path, self.main):
            return None
        pos = end.offset
        for _ in range(64):
            m = _DECLARATOR_TAIL.match(self.source, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
        return pos if self.source[pos:pos + 1] == b"{" else None

    def _judge_body(self, fn: Function) -> Function:
        """A callback with `trivial` set, from its body's text (bodies are not parsed)."""
        if fn.body_at is None:   # defined elsewhere, or by a macro
            return fn
        return dataclasses.replace(fn, trivial=_TRIVIAL_BODY.match(self.source, fn.body_at) is not None)

    def _has_initializer_text(self, cur) -> bool:
        if any(t.spelling == "=" for t in cur.get_tokens()):
            return True
        # Error recovery can end the declaration before an initializer it dropped.
        end = cur.extent.end
        if not _file_is(end, self.clang_path, self.main):
            return False
        pos = _BLANKS.match(self.source, end.offset).end()
        return self.source[pos:pos + 1] == b"="
