"""Per-configuration facts: the file parsed again with an option switched off
(PM204, PM205), and in every setting of the options around its PM-core
callers (PM401-PM404).
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import re
from functools import lru_cache

from clang import cindex

from pmlint.frontend.clang import (CK, _DECLARATIONS, _DECL_REF, _KEEP_GOING, _RECURSE, _STDIN,
                                   _as_utf8, _children, _file_is, _main_file, _prelude_text)
from pmlint.frontend.extract import _Extractor
from pmlint.frontend.parseoptions import ParseOptions
from pmlint.frontend.rounds import _Diagnostic, _UNDECLARED, _Unknowns, _for_bodies, _rounds
from pmlint.frontend.statements import _PM_CORE_CALL, _SequenceBuilder
from pmlint.frontend.textfacts import _DEFINITION_HEAD, _DIRECTIVE, _IDENT, _MACRO_DEFINITION
from pmlint.model import ConfigFacts, Function, Location, Use

# Markers of a function the compiler must not warn about when unused.
_MARKED_UNUSED = re.compile(rb"\b__(?:maybe|always)_unused\b|__attribute__\s*\(\(\s*(?:__)?unused")
# The kernel's inline carries __maybe_unused; __used keeps a function anyway.
_NEVER_WARNED = re.compile(rb"\b(?:inline|__inline__|__inline|__always_inline|__used)\b"
                           rb"|__attribute__\s*\(\(\s*(?:__)?used")
# Where the text defines a table, in any branch: `struct dev_pm_ops name` or a macro's first argument.
_TABLE_DEFINITION = re.compile(rb"\bstruct\s+dev_pm_ops\s+(?:__maybe_unused\s+)?(\w+)"
                               rb"|\b[A-Z_]*DEV_PM_OPS\(\s*(\w+)")
_STATIC = re.compile(rb"\bstatic\b")
# A function marked __maybe_unused: whether it needs to be is for PM204 to judge.
_MARKED_FUNCTION = re.compile(rb"\b__(?:maybe|always)_unused\b[^;{}=]*\(")
_PRELUDE_DIRECTIVE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)")
# A function-like macro: only these can drop or rename the names a file passes them
# (a helper declared or stubbed with NULL changes no reference to the file's own).
_PRELUDE_FUNCTION_MACRO = re.compile(r"^\s*#\s*define\s+(\w+)\(")


@lru_cache(maxsize=16)
def _changes_with(options: frozenset[str]) -> re.Pattern:
    """Text that makes a file reference or define other names of its own when
    `options` are off: their names (a guard in the file), and the prelude's
    function-like macros that depend on them (defined under an #if on one, or
    expanding to such a macro, as SIMPLE_DEV_PM_OPS expands to
    SET_SYSTEM_SLEEP_PM_OPS). A file with none of it compiles alike either
    way: parsing it again would tell nothing new."""
    text = _prelude_text()
    changing, stack, continued = set(), [], False   # stack: does each open #if name an option?
    for line in text.splitlines():
        if continued:   # the body of a macro, not a definition
            pass
        elif m := _PRELUDE_DIRECTIVE.match(line):
            if m.group(1).startswith("if"):
                stack.append(any(re.search(rf"\b{o}\b", m.group(2)) for o in options))
            elif m.group(1) == "endif" and stack:
                stack.pop()
        elif any(stack) and (m := _PRELUDE_FUNCTION_MACRO.match(line)):
            changing.add(m.group(1))
        continued = line.endswith("\\")
    macros = {m.group(1).decode(): {w.decode() for w in _IDENT.findall(m.group(2))}
              for m in _MACRO_DEFINITION.finditer(text.encode())}
    while more := {name for name, body in macros.items() if name not in changing and body & changing}:
        changing |= more
    words = sorted(options | changing)
    return re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in words) + rb")\b")


def _configurations(path: str, shown: str, source: bytes, options: ParseOptions,
                    unknowns: _Unknowns) -> tuple[ConfigFacts, ...]:
    """Facts for the options given, then for each of options.switch_off off.

    Each configuration is parsed with function bodies, since a call is a
    reference; it starts from what the main parse learnt about unknown names.
    """
    from pmlint.kernel.kconfig import switched_off, with_dependents
    if options.flags or not options.switch_off:
        return ()
    # Parsed again: each option whose going changes the text the compiler
    # sees (an option already off changes nothing), unless the tree never
    # builds the file without it. Others compile as the options given do.
    needed = frozenset(options.needed)
    variants, covered = [], set()
    for option in options.switch_off:
        gone = with_dependents(option) - covered
        covered |= gone
        config = switched_off(options.config, option)
        if (gone and config != options.config and not with_dependents(option) & needed
                and _changes_with(frozenset(gone)).search(source)):
            variants.append((option, config))
    if not variants and not _MARKED_FUNCTION.search(source):
        return ()
    defined = _defined_names(source)
    unknowns = _for_bodies(unknowns)
    out = [_facts(path, shown, source, dataclasses.replace(options, config=config),
                  unknowns, option, defined) for option, config in variants]
    # The options given are parsed too when there is something to compare
    # with them: a function unused or a name undefined with an option off,
    # code under a guard (which callers it has), or no other configuration.
    guards = _guard_lines(source, frozenset(covered))
    if not out or guards or any(set(f.name for f in c.unused) - set(c.marked) or c.undefined
                                for c in out):
        out.insert(0, _facts(path, shown, source, options, unknowns, "", defined))
    return tuple(out)


def _defined_names(source: bytes) -> set[str]:
    """The functions and tables the text defines, in any branch."""
    defined = {m.group(1).decode() for m in _DEFINITION_HEAD.finditer(source)}
    return defined | {(m.group(1) or m.group(2)).decode() for m in _TABLE_DEFINITION.finditer(source)}


# The options an #if, #ifdef, #ifndef or #elif names (IS_ENABLED(CONFIG_X)
# and defined(CONFIG_X_MODULE) name CONFIG_X).
_OPTION = re.compile(rb"\bCONFIG_(\w+?)(?:_MODULE)?\b")
_FUNCTION_END = re.compile(rb"^\}", re.M)
# A suspend step given a PMSG_ message (what makes a PmSequence), as text.
_SUSPEND_STEP_CALL = re.compile(rb"\bdpm_(?:prepare|suspend\w*)\s*\([^;]*?\bPMSG_")


def _caller_options(source: bytes) -> list[str]:
    """The CONFIG_ options named by the #ifs of the blocks that overlap a
    function calling a PM-core suspend step with a PMSG_ message, in the
    order the text names them. A function is its text from its head to the
    first '}' at a line start (kernel style)."""
    spans = []
    for m in _DEFINITION_HEAD.finditer(source):
        end = _FUNCTION_END.search(source, m.end())
        end = end.end() if end else len(source)
        if _SUSPEND_STEP_CALL.search(source, m.end(), end):
            spans.append((m.start(), end))
    if not spans:
        return []
    found, open_ = [], []   # open_: [start, names] of each open block
    for m in _DIRECTIVE.finditer(source):
        kind = m.group(1)
        if kind in (b"if", b"ifdef", b"ifndef"):
            open_.append([m.start(), [m.group()]])
        elif kind == b"elif" and open_:
            open_[-1][1].append(m.group())
        elif kind == b"endif" and open_:
            start, lines = open_.pop()
            if any(a < m.end() and start < b for a, b in spans):
                found += [(start, o.group(1).decode()) for line in lines for o in _OPTION.finditer(line)]
    return list(dict.fromkeys(f"CONFIG_{name}" for _, name in sorted(found)))


def _variants(path: str, shown: str, source: bytes, options: ParseOptions,
              unknowns: _Unknowns) -> dict:
    """FileModel's varied, variants and unvaried: the file parsed in each
    other setting of the options around its PM-core callers.

    A setting switches an option off with what needs it (as PM205 does) and
    on with what it needs (its Kconfig `depends on`); one the tree cannot
    build is skipped: an option the file's build needs off, one switched on
    that needs, or goes with, one switched off.
    """
    from pmlint.kernel.buildneeds import needs, requires
    from pmlint.kernel.kconfig import switched_off, with_dependents
    if options.flags or not options.vary or not (b"dpm_" in source and _PM_CORE_CALL.search(source)):
        return {}
    named = _caller_options(source)
    if not named:
        return {}
    varied, unvaried = named[:options.vary], named[options.vary:]
    given = {o.partition("=")[0].removesuffix("_MODULE") for o in options.config}
    in_tree = path != _STDIN
    needed = needs(path) if in_tree else frozenset()
    settings, configs = [], set()
    for values in itertools.product((True, False), repeat=len(varied)):
        on = {o for o, v in zip(varied, values) if v}
        off = set(varied) - on
        if on == given & set(varied) or off & needed:
            continue
        config, wanted = options.config, set()
        for option in sorted(off):
            config = switched_off(config, option)
        for option in sorted(on - given):
            wanted |= {option} | (requires(path, option) if in_tree else frozenset())
        if wanted & off or any(wanted & with_dependents(o) for o in off):
            continue
        present = {c.partition("=")[0] for c in config}
        config += tuple(sorted(wanted - present))
        if config not in configs:
            configs.add(config)
            settings.append((tuple(o if o in on else f"!{o}" for o in varied), config))
    defined, unknowns = _defined_names(source), _for_bodies(unknowns)
    variants = [_facts(path, shown, source, dataclasses.replace(options, config=config),
                       unknowns, "", defined, setting) for setting, config in settings]
    # One libclang could not parse at all is left out: what holds is said of those parsed.
    variants = tuple(v for v in variants if v is not None)
    return {"varied": tuple(o if o in given else f"!{o}" for o in varied),
            "variants": variants, "unvaried": tuple(unvaried)}


def _guard_lines(source: bytes, options: frozenset[str]) -> bool:
    """Whether an #if or #elif of the file names one of the options."""
    names = b"|".join(re.escape(o.encode()) for o in sorted(options))
    return re.search(rb"^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif)\b[^\n]*\b(?:" + names + rb")\b",
                     source, re.M) is not None


def _facts(path: str, shown: str, source: bytes, options: ParseOptions, unknowns: _Unknowns,
           off: str, defined: set[str], setting: tuple[str, ...] | None = None) -> ConfigFacts | None:
    """Parse in rounds, as the main parse does: a name nothing declares makes
    clang drop the expression or initializer around it (a call whose argument
    is a missing header's constant, a driver struct naming a table this
    configuration leaves out), and with it the references it holds.
    `unknowns` keeps what each configuration learns about names from
    elsewhere, so that the next starts from it; the file's own names are
    declared only for the configuration that lacks them. With a setting
    (FileModel.variants), also the PM-core callers; None if libclang cannot
    parse the file then."""
    lines = source.split(b"\n")
    mine = copy.deepcopy(unknowns)
    undeclared: dict[str, Location] = {}   # a name the file defines -> its first use

    def each(diagnostics: list[_Diagnostic]) -> None:
        for d in diagnostics:
            m = _UNDECLARED.search(d.text)
            if m and m.group(1) in defined and d.here:
                undeclared.setdefault(m.group(1), Location(shown, d.line, d.column))
    try:
        tu, diagnostics = _rounds(path, _as_utf8(source), lines, mine, options, _KEEP_GOING, each)
    except cindex.TranslationUnitLoadError:
        return ConfigFacts(off) if setting is None else None
    unknowns.refused |= mine.refused
    unknowns.names |= mine.names - defined
    unknowns.types |= mine.types - defined
    unknowns.macros |= mine.macros
    for tag, members in mine.structs.items():
        unknowns.structs.setdefault(tag, set()).update(members)
    facts = _FactsWalker(path, shown, source).facts(tu, off, undeclared)
    if setting is None:
        return facts
    # The PM-core callers of this configuration, as the main parse finds them.
    x, main = _Extractor(path, shown, source, lines, tu, diagnostics), _main_file(tu, path)
    builder, sequences = _SequenceBuilder(x), []
    for cur in _children(tu.cursor, _DECLARATIONS):
        if cur.kind == CK.FUNCTION_DECL and cur.is_definition() and _file_is(cur.location, path, main):
            if (seq := builder.sequence(cur)) is not None:
                sequences.append(seq)
    return dataclasses.replace(facts, setting=setting, sequences=tuple(sequences))


class _FactsWalker:
    """The static functions of one translation unit and the names it references."""

    def __init__(self, path: str, shown: str, source: bytes):
        self.clang_path, self.path, self.source = path, shown, source
        self._refs: dict[str, Location] = {}
        self._visit = cindex.callbacks["cursor_visit"](self._see)

    def _see(self, cursor, parent, data) -> int:
        # The kind is a field of the cursor: no libclang call for the many others.
        if cursor._kind_id == _DECL_REF:
            name = cursor.spelling
            if name not in self._refs:
                loc = cursor.location
                self._refs[name] = Location(self.path, loc.line, loc.column)
        return _RECURSE

    def _references(self, cursor) -> dict[str, Location]:
        self._refs = {}
        cindex.conf.lib.clang_visitChildren(cursor, self._visit, None)
        return self._refs

    def _head(self, cursor, main: int | None) -> bytes:
        """The text of a declaration before its name: storage class, attributes, type."""
        start, name = cursor.extent.start, cursor.location
        if not _file_is(start, self.clang_path, main):
            return b""
        return self.source[start.offset:name.offset]

    def facts(self, tu, off: str, undeclared: dict[str, Location]) -> ConfigFacts:
        internal: dict[str, Function] = {}   # static functions, by name: the definition if any
        marked, quiet, called, functions, written_static = set(), set(), set(), set(), set()
        refs: dict[str, Location] = {}
        main = _main_file(tu, self.clang_path)
        for cur in _children(tu.cursor, _DECLARATIONS):
            if not _file_is(cur.location, self.clang_path, main):
                continue
            names = self._references(cur)
            for name, loc in names.items():
                refs.setdefault(name, loc)
            if cur.kind != CK.FUNCTION_DECL:
                continue
            name, body = cur.spelling, cur.is_definition()
            functions.add(name)
            if body:
                called.update(n for n in names if n != name)
            if cur.linkage != cindex.LinkageKind.INTERNAL:
                continue
            head = self._head(cur, main)
            if _STATIC.search(head):
                written_static.add(name)
            if _MARKED_UNUSED.search(head):
                marked.add(name)
            if _NEVER_WARNED.search(head):
                quiet.add(name)
            if body or name not in internal:
                loc = cur.location
                internal[name] = Function(name, Location(self.path, loc.line, loc.column), body, True)
        # Static only through a header's `static inline` stub: the file's own
        # function is not built in that configuration (Kbuild leaves it out).
        internal = {n: f for n, f in internal.items() if n in written_static}
        unused = [f for f in internal.values() if f.defined and f.name not in refs and f.name not in quiet]
        undefined = [Use(n, loc) for n, loc in undeclared.items()]
        undefined += [Use(f.name, refs[f.name]) for f in internal.values()
                      if not f.defined and f.name in refs]
        return ConfigFacts(
            off, tuple(sorted(unused, key=lambda f: f.location)),
            tuple(sorted(n for n in marked if internal.get(n) and internal[n].defined)),
            tuple(sorted(undefined, key=lambda u: (u.location, u.name))), tuple(sorted(called & functions)))
