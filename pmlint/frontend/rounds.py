"""Parsing in rounds: the names and struct types a round's diagnostics report
unknown are declared for the next, until nothing new is learnt.
"""
from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from clang import cindex

from pmlint.frontend.clang import (_children, _in_file, _known_macros, _main_file, _parse,
                                   _prelude_structs)
from pmlint.frontend.parseoptions import ParseOptions

_MAX_ROUNDS = 4

# Members a bus driver struct unknown to the prelude gets, so that its
# initializer survives; with the file's designators (below) and, in bodies,
# members learnt per round.
_GENERIC_MEMBERS = ("const char *name; struct module *owner; const void *id_table, *ids;"
                    " void *probe, *remove, *remove_new, *shutdown, *suspend, *resume;"
                    " struct device_driver driver, drv; const struct dev_pm_ops *pm;")
_GENERIC_NAMES = frozenset(re.findall(r"(\w+)[,;]", _GENERIC_MEMBERS))
# A designator `.member =` anywhere in the text: every struct pmlint makes up
# gets them all as members at once, which saves the round that would learn
# them one struct at a time from "does not refer to any field" errors.
# (Also `a.b = c` in code: a few more members harm nothing, a look-behind is 10x slower.)
_DESIGNATOR = re.compile(rb"\.\s*([A-Za-z_]\w*)(?:\s*(?:\.\s*\w+|\[[^]=]*\]))*\s*=(?!=)")

_UNDECLARED = re.compile(r"(?:use of undeclared identifier|call to undeclared function|"
                         r"call to undeclared library function) '(\w+)'")
_UNKNOWN_TYPE = re.compile(r"unknown type name '(\w+)'")
_INCOMPLETE = re.compile(r"(?:incomplete type|that is never completed|"
                         r"incomplete definition of type)[^']*'(?:const )?struct (\w+)'")
_NO_FIELD = re.compile(r"field designator '(\w+)' does not refer to any field in type "
                       r"'(?:const )?struct (\w+)'")
# Syntax errors that an unknown function-like macro (an annotation such as
# __must_hold(x), a DEFINE_FOO(x) at file scope) causes where it is used.
_SYNTAX = re.compile(r"type specifier missing|expected function body after function declarator"
                     r"|expected identifier|expected ';' after top level declarator"
                     r"|type name requires a specifier or qualifier|expected member name or ';'"
                     r"|a parameter list without types")
_CALL_AT = re.compile(rb"([A-Za-z_]\w*)\s*\(")


@dataclass
class _Unknowns:
    """What earlier rounds learnt the file uses but nothing declares."""

    names: set = field(default_factory=set)
    types: set = field(default_factory=set)
    structs: dict = field(default_factory=dict)  # struct tag -> set of extra member names
    macros: set = field(default_factory=set)     # function-like macros to expand to nothing
    declared: set = field(default_factory=set)   # names the file declares: never invented
    designators: frozenset = frozenset()          # members every made-up struct gets
    refused: set = field(default_factory=set)     # struct tags never made up: libclang crashed on them

    def header(self) -> bytes:
        out = [f"#define {m}(...)" for m in sorted(self.macros)]
        out += [f"struct {tag} {{ {_GENERIC_MEMBERS}"
                f"{''.join(f' void *{m};' for m in sorted((extra | self.designators) - _GENERIC_NAMES))} }};"
                for tag, extra in sorted(self.structs.items())]
        out += [f"typedef int {t};" for t in sorted(self.types - self.declared)]
        out += [f"int {n}();" for n in sorted(self.names - self.types - self.declared)]
        return ("\n".join(out) + "\n").encode()

    def copy(self) -> "_Unknowns":
        """A copy to roll back to: each set copied (copy.deepcopy cost a
        millisecond a round)."""
        return dataclasses.replace(
            self, names=set(self.names), types=set(self.types), macros=set(self.macros),
            declared=set(self.declared), refused=set(self.refused),
            structs={tag: set(members) for tag, members in self.structs.items()})

    def _size(self) -> tuple:
        return (len(self.names), len(self.types), len(self.macros), len(self.declared),
                sum(len(v) + 1 for v in self.structs.values()))

    def learn(self, tu, diagnostics: list[_Diagnostic], lines: list[bytes], path: str) -> bool:
        """Take in what a round's diagnostics say is unknown; True if anything is new."""
        before = self._size()
        invented = self.names | self.types
        # Spelling first: asking a cursor for its file costs more.
        main = _main_file(tu, path) if invented else None
        for cur in _children(tu.cursor) if invented else ():
            if cur.spelling in invented and _in_file(cur.location, path, main):
                self.declared.add(cur.spelling)
        for d in diagnostics:
            text = d.text
            if _SYNTAX.search(text):
                if d.here and 0 < d.line <= len(lines):
                    m = _CALL_AT.match(lines[d.line - 1], max(d.column - 1, 0))
                    if m and m.group(1).decode() not in _known_macros():
                        self.macros.add(m.group(1).decode())
            elif m := _UNDECLARED.search(text):
                self.names.add(m.group(1))
            elif m := _UNKNOWN_TYPE.search(text):
                self.types.add(m.group(1))
            elif ((m := _INCOMPLETE.search(text)) and m.group(1) not in _prelude_structs()
                  and m.group(1) not in self.refused):
                self.structs.setdefault(m.group(1), set())
            elif (m := _NO_FIELD.search(text)) and m.group(2) in self.structs:
                self.structs[m.group(2)].add(m.group(1))
        return self._size() != before


class _Diagnostic(NamedTuple):
    text: str
    error: bool   # an error or worse, not a warning or a note
    here: bool    # in the file parsed (line and column are 0 elsewhere)
    line: int
    column: int


def _diagnostics(tu: cindex.TranslationUnit, path: str) -> list[_Diagnostic]:
    """A round's diagnostics, read from libclang once for all who look at them."""
    out, main = [], _main_file(tu, path)
    for d in tu.diagnostics:
        loc = d.location
        here = _in_file(loc, path, main)
        out.append(_Diagnostic(d.spelling, d.severity >= cindex.Diagnostic.Error, here,
                               loc.line if here else 0, loc.column if here else 0))
    return out


def _rounds(path: str, text: bytes, lines: list[bytes], unknowns: _Unknowns, options: ParseOptions,
            flags: int, each=None) -> tuple[cindex.TranslationUnit, list[_Diagnostic]]:
    """Parse in rounds until a round learns nothing new (`unknowns` learns in
    place); each(diagnostics), when given, sees every round's. The last
    round that parsed and its diagnostics.

    libclang can crash on what a round declares: clang 17 and 18 crash on a
    scalar initialised with braces whose first element is empty (`{ {}, x }`,
    llvm-project issues 69213 and 106180), and a struct pmlint makes up has
    every designator of the file as a `void *` member, so that
    arch/x86/kernel/apm_32.c's `.states = { {}, {...} }` of a struct
    cpuidle_driver crashed it. Then the struct tags the last round learnt
    are refused (never made up: a variable of such a type keeps an
    incomplete type, and clang drops its initializer) and the round is
    parsed again; if that crashes too, the last round that parsed stands,
    with the unknowns it was given. A crash in the first round raises
    TranslationUnitLoadError.
    """
    good, before, retried, rounds = None, None, False, 0
    while rounds < _MAX_ROUNDS:
        try:
            tu = _parse(path, text, unknowns.header(), options, flags)
        except cindex.TranslationUnitLoadError:
            if good is None:
                raise
            new = set(unknowns.structs) - set(before.structs)
            if retried or not new:
                refused = unknowns.refused | new
                unknowns.__dict__.update(before.copy().__dict__)
                unknowns.refused |= refused
                break
            unknowns.refused |= new
            for tag in new:
                del unknowns.structs[tag]
            retried = True
            continue
        diagnostics = _diagnostics(tu, path)
        if each is not None:
            each(diagnostics)
        good, before, rounds = (tu, diagnostics), unknowns.copy(), rounds + 1
        if not unknowns.learn(tu, diagnostics, lines, path):
            break
    return good


def _for_bodies(unknowns: _Unknowns) -> _Unknowns:
    """What the main parse learnt, for parses of other configurations, which
    learn on from it for the next. They parse bodies, where a made-up
    member used as an index or in arithmetic must stay unknown (as a void *
    it breaks the expression and drops the references in it): no
    designators as members here, they are learnt one error at a time."""
    return dataclasses.replace(copy.deepcopy(unknowns), designators=frozenset())
