"""Extract PM callback tables from C source: the only module that uses libclang.

A driver file is parsed on its own, with pmlint's prelude header standing in
for the kernel headers that are not there. What the prelude cannot know (a
callback declared in a missing header, a bus driver struct pmlint has never
heard of) makes clang drop the whole initializer, so parsing runs in rounds:
each round declares the names and struct types the previous round's
diagnostics reported as unknown, until nothing new is learnt.
"""
from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from clang import cindex

from pmlint.model import (DriverObject, FileModel, Function, Location, PmTable,
                          Problem, Slot)

CK = cindex.CursorKind

# CXTranslationUnit_KeepGoing: a missing #include must not stop the parse.
_KEEP_GOING = 0x200
_OPTIONS = (cindex.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
            | cindex.TranslationUnit.PARSE_INCOMPLETE | _KEEP_GOING)
_MAX_ROUNDS = 4
_EXTRAS = "/__pmlint__/pmlint_unknowns.h"
_CONFIG = "/__pmlint__/pmlint_config.h"
_STDIN = "/__pmlint__/stdin.c"

# PM-relevant members of driver objects, as "a.b" paths.
_DRIVER_MEMBERS = re.compile(
    r"^(?:.*\.)?pm$|^(?:suspend|resume|freeze|thaw|restore|poweroff|shutdown"
    r"|reset_resume|suspend_late|resume_early)$")

# Members a bus driver struct unknown to the prelude gets, so that its
# initializer survives; designators it does not have are added per round.
_GENERIC_MEMBERS = ("const char *name; struct module *owner; const void *id_table, *ids;"
                    " void *probe, *remove, *remove_new, *shutdown, *suspend, *resume;"
                    " struct device_driver driver, drv; const struct dev_pm_ops *pm;")

_UNDECLARED = re.compile(r"(?:use of undeclared identifier|call to undeclared function|"
                         r"call to undeclared library function) '(\w+)'")
_UNKNOWN_TYPE = re.compile(r"unknown type name '(\w+)'")
_INCOMPLETE = re.compile(r"(?:incomplete type|that is never completed|"
                         r"incomplete definition of type)[^']*'(?:const )?struct (\w+)'")
_NO_FIELD = re.compile(r"field designator '(\w+)' does not refer to any field in type "
                       r"'(?:const )?struct (\w+)'")
_IDENT = re.compile(rb"[A-Za-z_]\w*")
# Syntax errors that an unknown function-like macro (an annotation such as
# __must_hold(x), a DEFINE_FOO(x) at file scope) causes where it is used.
_SYNTAX = re.compile(r"type specifier missing|expected function body after function declarator"
                     r"|expected identifier|expected ';' after top level declarator"
                     r"|type name requires a specifier or qualifier|expected member name or ';'"
                     r"|a parameter list without types")
# Errors that mean an initializer was not parsed as written.
_BROKEN = re.compile(r"^expected |unterminated|missing terminating|extraneous|unmatched|"
                     r"too many errors")
# What may follow a function declarator before '{' or ';': blanks, comments,
# attributes and annotations such as __acquires(x). One token per match.
_DECLARATOR_TAIL = re.compile(rb"\s+|/\*.*?\*/|//[^\n]*|\w+(?:\s*\([^;{()]*(?:\([^;{()]*\))*[^;{()]*\))?", re.S)
_CALL_AT = re.compile(rb"([A-Za-z_]\w*)\s*\(")

DEFAULT_CONFIG = ("CONFIG_PM", "CONFIG_PM_SLEEP", "CONFIG_SUSPEND", "CONFIG_HIBERNATION",
                  "CONFIG_HIBERNATE_CALLBACKS", "CONFIG_PM_CLK", "CONFIG_PM_GENERIC_DOMAINS",
                  "CONFIG_PM_GENERIC_DOMAINS_SLEEP", "CONFIG_XEN")


@dataclass(frozen=True)
class ParseOptions:
    """What the preprocessor is told: the CONFIG_ options set, as NAME (=1) or NAME=VALUE."""

    config: tuple[str, ...] = DEFAULT_CONFIG


@lru_cache(maxsize=1)
def _prelude_path() -> str:
    return str(resources.files("pmlint") / "include" / "pmlint_prelude.h")


@lru_cache(maxsize=1)
def _index() -> cindex.Index:
    lib = cindex.conf.lib
    lib.clang_Cursor_Evaluate.argtypes = [cindex.Cursor]
    lib.clang_Cursor_Evaluate.restype = ctypes.c_void_p
    lib.clang_EvalResult_getKind.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getKind.restype = ctypes.c_int
    lib.clang_EvalResult_getAsLongLong.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsLongLong.restype = ctypes.c_longlong
    lib.clang_EvalResult_dispose.argtypes = [ctypes.c_void_p]
    return cindex.Index.create()


def _evaluate_int(cursor: cindex.Cursor) -> int | None:
    lib = cindex.conf.lib
    res = lib.clang_Cursor_Evaluate(cursor)
    if not res:
        return None
    try:
        return lib.clang_EvalResult_getAsLongLong(res) if lib.clang_EvalResult_getKind(res) == 1 else None
    finally:
        lib.clang_EvalResult_dispose(res)


@dataclass
class _Unknowns:
    """What earlier rounds learnt the file uses but nothing declares."""

    names: set = field(default_factory=set)
    types: set = field(default_factory=set)
    structs: dict = field(default_factory=dict)  # struct tag -> set of extra member names
    macros: set = field(default_factory=set)     # function-like macros to expand to nothing
    declared: set = field(default_factory=set)   # names the file declares: never invented

    def header(self) -> bytes:
        out = [f"#define {m}(...)" for m in sorted(self.macros)]
        out += [f"struct {tag} {{ {_GENERIC_MEMBERS} {''.join(f' void *{m};' for m in sorted(extra))} }};"
               for tag, extra in sorted(self.structs.items())]
        out += [f"typedef int {t};" for t in sorted(self.types - self.declared)]
        out += [f"int {n}();" for n in sorted(self.names - self.types - self.declared)]
        return ("\n".join(out) + "\n").encode()

    def _size(self) -> tuple:
        return (len(self.names), len(self.types), len(self.macros), len(self.declared),
                sum(len(v) + 1 for v in self.structs.values()))

    def learn(self, tu, lines: list[bytes], path: str) -> bool:
        """Take in what a round's diagnostics say is unknown; True if anything is new."""
        before = self._size()
        invented = self.names | self.types
        for cur in tu.cursor.get_children():
            f = cur.location.file
            if f is not None and f.name == path and cur.spelling in invented:
                self.declared.add(cur.spelling)
        diagnostics = tu.diagnostics
        for d in diagnostics:
            text = d.spelling
            if _SYNTAX.search(text):
                loc = d.location
                if loc.file is not None and loc.file.name == path and 0 < loc.line <= len(lines):
                    m = _CALL_AT.match(lines[loc.line - 1], max(loc.column - 1, 0))
                    if m and m.group(1).decode() not in _known_macros():
                        self.macros.add(m.group(1).decode())
            elif m := _UNDECLARED.search(text):
                self.names.add(m.group(1))
            elif m := _UNKNOWN_TYPE.search(text):
                self.types.add(m.group(1))
            elif (m := _INCOMPLETE.search(text)) and m.group(1) not in _prelude_structs():
                self.structs.setdefault(m.group(1), set())
            elif (m := _NO_FIELD.search(text)) and m.group(2) in self.structs:
                self.structs[m.group(2)].add(m.group(1))
        return self._size() != before


@lru_cache(maxsize=1)
def _prelude_text() -> str:
    with open(_prelude_path(), encoding="utf-8") as f:
        return f.read()


@lru_cache(maxsize=1)
def _known_macros() -> frozenset:
    """Macros the prelude defines: never to be redefined as empty."""
    return frozenset(re.findall(r"#define\s+(\w+)", _prelude_text()))


@lru_cache(maxsize=1)
def _prelude_structs() -> frozenset:
    """Struct types the prelude defines: never to be replaced by a generic one."""
    return frozenset(re.findall(r"^struct (\w+) \{", _prelude_text(), re.M))


_ARGS = ["-x", "c", "-std=gnu11", "-nostdinc", "-ferror-limit=0", "-fno-spell-checking", "-w",
         "-include", _CONFIG, "-include", "PRELUDE", "-include", _EXTRAS]


@lru_cache(maxsize=8)
def _config_header(config: tuple[str, ...]) -> bytes:
    """The options as #defines (a whole .config on the command line is slow to parse)."""
    out = []
    for opt in config:
        name, _, value = opt.partition("=")
        out.append(f"#define {name} {value or 1}")
    return ("\n".join(out) + "\n").encode()


def parse_source(path: str, source: bytes, options: ParseOptions = ParseOptions()) -> FileModel:
    """Parse one C file's bytes into a FileModel (never raises on bad C)."""
    index = _index()
    path, shown = (_STDIN, path) if path == "-" else (path, path)
    unknowns = _Unknowns()
    lines = source.split(b"\n")
    args = [_prelude_path() if a == "PRELUDE" else a for a in _ARGS]
    config = (_CONFIG, _config_header(options.config))
    tu = None
    for _ in range(_MAX_ROUNDS):
        unsaved = [(path, source), config, (_EXTRAS, unknowns.header())]
        try:
            tu = index.parse(path, args=args, unsaved_files=unsaved, options=_OPTIONS)
        except cindex.TranslationUnitLoadError as exc:
            return FileModel(shown, problems=(Problem(shown, f"libclang could not parse the file: {exc}"),))
        if not unknowns.learn(tu, lines, path):
            break
    return _Extractor(path, shown, source, tu).model()


class _Extractor:
    """Walk one translation unit's top-level declarations of the main file."""

    def __init__(self, path: str, shown: str, source: bytes, tu: cindex.TranslationUnit):
        self.clang_path = path   # the name clang knows the file by
        self.path = shown        # the name locations report
        self.source = source
        self.lines = source.split(b"\n")
        self.tu = tu
        self.syntax_errors = [
            (d.location.line, d.spelling) for d in tu.diagnostics
            if d.severity >= cindex.Diagnostic.Error and _BROKEN.search(d.spelling)
            and d.location.file is not None and d.location.file.name == self.clang_path]

    # -- locations and source text ------------------------------------
    def _in_main(self, cursor) -> bool:
        f = cursor.location.file
        return f is not None and f.name == self.clang_path

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

    # -- the walk -----------------------------------------------------
    def model(self) -> FileModel:
        tables: dict[str, PmTable] = {}
        drivers: list[DriverObject] = []
        functions: dict[str, Function] = {}
        exported: set[str] = set()
        problems: list[Problem] = []
        for cur in self.tu.cursor.get_children():
            if not self._in_main(cur):
                continue
            if cur.kind == CK.FUNCTION_DECL:
                fn = Function(cur.spelling, self._loc(cur), self._has_body(cur),
                              cur.storage_class == cindex.StorageClass.STATIC)
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
                    table = self._table(cur, problems)
                    old = tables.get(name)
                    if old is None or (table.defined and not old.defined):
                        tables[name] = table
                elif tag is not None:
                    drv = self._driver(cur, tag)
                    if drv is not None:
                        drivers.append(drv)
        tables_out = tuple(
            PmTable(t.name, t.location, t.const, t.static, t.defined, t.defined_by,
                    t.name in exported, t.slots, t.complete)
            for t in sorted(tables.values(), key=lambda t: (t.location, t.name)))
        return FileModel(self.path, tables_out, tuple(drivers),
                         tuple(sorted(functions.values(), key=lambda f: (f.location, f.name))),
                         tuple(problems))

    def _init_list(self, cur):
        """The initializer list of a variable, looking through recovery wrappers."""
        for child in cur.get_children():
            node = child
            while node.kind == CK.UNEXPOSED_EXPR:
                kids = list(node.get_children())
                if len(kids) != 1:
                    break
                node = kids[0]
            if node.kind == CK.INIT_LIST_EXPR:
                return node
        return None

    def _table(self, cur, problems: list) -> PmTable:
        loc = self._loc(cur)
        word = self._word_at(loc)
        init = self._init_list(cur)
        written = init is not None or self._has_initializer_text(cur)
        slots = tuple(self._slots(init, cur.type)) if init is not None else ()
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
            exported=False, slots=slots, complete=complete)

    def _has_body(self, cur) -> bool:
        """Bodies are skipped, so a definition is a declarator followed by '{'."""
        if cur.is_definition():
            return True
        end = cur.extent.end
        if end.file is None or end.file.name != self.clang_path:
            return False
        pos = end.offset
        for _ in range(64):
            m = _DECLARATOR_TAIL.match(self.source, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
        return self.source[pos:pos + 1] == b"{"

    def _has_initializer_text(self, cur) -> bool:
        return any(t.spelling == "=" for t in cur.get_tokens())

    def _driver(self, cur, tag: str) -> DriverObject | None:
        init = self._init_list(cur)
        if init is None:
            return None
        slots = tuple(s for s in self._slots(init, cur.type) if _DRIVER_MEMBERS.match(s.name))
        if not slots and tag != "xenbus_driver":
            return None
        return DriverObject(cur.spelling, tag, self._loc(cur), slots)

    def _slots(self, init, ctype, prefix: str = ""):
        """Yield a Slot for every non-NULL member an initializer list sets."""
        fields = _field_names(ctype)
        index = 0
        for item in init.get_children():
            kids = list(item.get_children())
            refs = []
            while len(refs) < len(kids) and kids[len(refs)].kind == CK.MEMBER_REF:
                refs.append(kids[len(refs)].spelling)
            if refs:
                value = kids[len(refs)] if len(kids) > len(refs) else None
                path = refs
                if refs[0] in fields:
                    index = fields.index(refs[0]) + 1
            elif item.kind == CK.UNEXPOSED_EXPR and self._designator_text(item):
                path = self._designator_text(item)
                value = kids[-1] if kids else None
            else:
                if index >= len(fields):
                    continue
                path, value = [fields[index]], item
                index += 1
            if value is None:
                continue
            name = ".".join(([prefix] if prefix else []) + path)
            inner = _unwrap(value)
            if inner.kind == CK.INIT_LIST_EXPR:
                yield from self._slots(inner, _member_type(ctype, path), name)
                continue
            callback = _callback_name(value)
            if callback:
                loc = self._loc(item)
                word = self._word_at(loc)
                yield Slot(name, callback, loc, word or path[-1])

    def _designator_text(self, item) -> list[str]:
        """Member path of a designator clang could not resolve, from its tokens."""
        path, expect_name = [], False
        for tok in item.get_tokens():
            s = tok.spelling
            if s == "=":
                return path
            if s == ".":
                expect_name = True
            elif expect_name and _IDENT.fullmatch(s.encode()):
                path.append(s)
                expect_name = False
            else:
                return []
        return []


def _struct_tag(ctype) -> str | None:
    t = ctype.get_canonical()
    if t.kind != cindex.TypeKind.RECORD:
        return None
    return t.get_declaration().spelling or None


def _field_names(ctype) -> list[str]:
    t = ctype.get_canonical()
    if t.kind != cindex.TypeKind.RECORD:
        return []
    return [f.spelling for f in t.get_fields()]


def _member_type(ctype, path):
    t = ctype.get_canonical()
    for name in path:
        if t.kind != cindex.TypeKind.RECORD:
            return t
        for f in t.get_fields():
            if f.spelling == name:
                t = f.type.get_canonical()
                break
    return t


_TRANSPARENT = {CK.UNEXPOSED_EXPR, CK.PAREN_EXPR, CK.CSTYLE_CAST_EXPR}


def _unwrap(cursor):
    while cursor.kind in _TRANSPARENT:
        kids = list(cursor.get_children())
        if not kids:
            break
        cursor = kids[-1]
    return cursor


def _callback_name(cursor) -> str | None:
    """Resolve an initializer value to the function or object it names.

    Casts, parentheses and '&' are looked through; '?:' with a constant
    condition (pm_ptr, pm_sleep_ptr, PTR_IF) takes the branch the compiler
    would; a null pointer constant gives None.
    """
    node = _unwrap(cursor)
    if node.kind == CK.UNARY_OPERATOR:
        kids = list(node.get_children())
        return _callback_name(kids[0]) if kids else None
    if node.kind == CK.CONDITIONAL_OPERATOR:
        cond, yes, no = list(node.get_children())[:3]
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
