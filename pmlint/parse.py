"""Extract PM callback tables from C source: the only module that uses libclang.

A driver file is parsed on its own, with pmlint's prelude header standing in
for the kernel headers that are not there. What the prelude cannot know (a
callback declared in a missing header, a bus driver struct pmlint has never
heard of) makes clang drop the whole initializer, so parsing runs in rounds:
each round declares the names and struct types the previous round's
diagnostics reported as unknown, until nothing new is learnt.
"""
from __future__ import annotations

import bisect
import codecs
import collections
import copy
import ctypes
import dataclasses
import glob
import hashlib
import itertools
import multiprocessing.util
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import NamedTuple

from clang import cindex

from pmlint import conditions, kversion
from pmlint.model import (Conditional, ConfigFacts, DriverObject, FileModel, Function, Location,
                          PmSequence, PmTable, Problem, Slot, Step, Use)

CK = cindex.CursorKind

# CXTranslationUnit_KeepGoing: a missing #include must not stop the parse.
_KEEP_GOING = 0x200
_DECL_REF, _TYPE_REF = CK.DECL_REF_EXPR.value, CK.TYPE_REF.value
_DECLARATIONS = frozenset({CK.FUNCTION_DECL.value, CK.VAR_DECL.value})
_RECURSE = 2   # CXChildVisit_Recurse
_FOR_SERIALIZATION = 0x10
_OPTIONS = (cindex.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
            | cindex.TranslationUnit.PARSE_INCOMPLETE | _KEEP_GOING)
_MAX_ROUNDS = 4
_EXTRAS = "/__pmlint__/pmlint_unknowns.h"
_CONFIG = "/__pmlint__/pmlint_config.h"
_STDIN = "/__pmlint__/stdin.c"

# Legacy PM callbacks a driver object can have (reset_resume, suspend_late
# and resume_early contain one of them).
_PM_WORDS = "suspend|resume|freeze|thaw|restore|poweroff|shutdown"
# PM-relevant members of driver objects, as "a.b" paths.
_DRIVER_MEMBERS = re.compile(
    rf"^(?:.*\.)?pm$|^(?:{_PM_WORDS}|reset_resume|suspend_late|resume_early)$")

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
_IDENT = re.compile(rb"[A-Za-z_]\w*")
# Text without which a struct's initializer cannot set a PM member of a driver.
_PM_TEXT = re.compile(rb"(?i)pm|" + _PM_WORDS.encode())
# A #define: its name, and its body with continuation lines (the file's, the prelude's).
_MACRO_DEFINITION = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)((?:[^\n]*\\\n)*[^\n]*)", re.M)
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
# A function definition's head at a line start; group 1 is its name.
_DEFINITION_HEAD = re.compile(
    rb"^(?=(?:[A-Za-z_][\w \t*]*[\s*])?([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{)", re.M)
# Blanks and comments, e.g. between a declarator and its '='.
_BLANKS = re.compile(rb"(?:\s+|/\*.*?\*/|//[^\n]*)*", re.S)
# Errors after which clang skips text unparsed: a table further on can vanish
# without an error of its own.
_SKIPS_TEXT = re.compile(r"unterminated /\* comment|bracket nesting level exceeded")
# Comments and closed literals of one line: a quote left over opens a literal
# the line does not close (clang's warning for it is silenced by -w).
_CLOSED = re.compile(rb"""/\*.*?(?:\*/|$)|//.*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
# Comments and string/char literals, to be matched (and so skipped) as a whole.
_NOT_CODE = re.compile(rb"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)
# The prelude's marker types: a cast to __pmlint_via_M means macro M set the value.
_VIA = "__pmlint_via_"
_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b[^\n]*", re.M)
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

DEFAULT_CONFIG = ("CONFIG_PM", "CONFIG_PM_SLEEP", "CONFIG_SUSPEND", "CONFIG_HIBERNATION",
                  "CONFIG_HIBERNATE_CALLBACKS", "CONFIG_PM_CLK", "CONFIG_PM_GENERIC_DOMAINS",
                  "CONFIG_PM_GENERIC_DOMAINS_SLEEP", "CONFIG_XEN")


@dataclass(frozen=True)
class ParseOptions:
    """What the preprocessor is told: the macros defined (CONFIG_ options and
    -D), as NAME (=1) or NAME=VALUE."""

    config: tuple[str, ...] = DEFAULT_CONFIG
    # A build's real flags for this file (see pmlint.buildflags), relative to
    # directory: then the kernel's headers replace the prelude and config.
    flags: tuple[str, ...] = ()
    directory: str = ""
    # Options switched off one at a time (with what needs them), to compare
    # how the file compiles without each (PM204, PM205); headerless only.
    switch_off: tuple[str, ...] = ("CONFIG_PM_SLEEP", "CONFIG_PM")
    # A file that drives the PM core is also parsed in every other setting
    # of the CONFIG_ options that the #ifs around its PM-core callers name,
    # at most this many of them (2**vary settings); the others keep the
    # value given. 0: the configuration given only. Headerless only.
    vary: int = 4
    # Options the kernel tree never builds the file without (pmlint.buildneeds,
    # through pmlint.inputs): a configuration without one is not compared.
    needed: tuple[str, ...] = ()
    # The kernel a file's version checks (LINUX_VERSION_CODE) are evaluated
    # against; headerless only (real flags bring the kernel's version.h).
    kernel_version: kversion.Version = kversion.NEWEST
    # A range's last version (--kernel-version A..B, A as kernel_version): the
    # runner analyses the file once per outcome of its version checks.
    kernel_upto: kversion.Version | None = None
    # The runner analyses the file once per setting of the driver's own
    # CONFIG_ options around its PM code (pmlint.optionscan), but for those
    # the user set (-D, -U): pinned. Headerless only.
    vary_options: bool = True
    pinned: tuple[str, ...] = ()

    @property
    def macros(self) -> tuple[str, ...]:
        """What the headerless parse defines: the configuration and the kernel version."""
        return (*self.config, kversion.define(self.kernel_version))


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
    lib.clang_Location_isFromMainFile.argtypes = [cindex.SourceLocation]
    lib.clang_Location_isFromMainFile.restype = ctypes.c_int
    # Declarations from the precompiled prelude are not the file's: leaving
    # them out of every walk of the top level saves a third of its cursors.
    return cindex.Index.create(excludeDecls=True)


codecs.register_error("pmlint-byte", lambda e: ("?" * (e.end - e.start), e.end))


def _as_utf8(source: bytes) -> bytes:
    """The source as clang is given it: each byte that is not UTF-8 becomes '?'.

    The Python bindings decode every name and token as strict UTF-8, and a
    stray Latin-1 byte in an identifier made them raise. Byte for byte, so
    that offsets into the file's own text stay right.
    """
    try:
        source.decode("utf-8")
        return source
    except UnicodeDecodeError:
        return source.decode("utf-8", "pmlint-byte").encode("utf-8")


def _main_file(tu: cindex.TranslationUnit, path: str) -> int | None:
    """The file parsed, as libclang's handle of it (None if it has none)."""
    return ctypes.cast(cindex.conf.lib.clang_getFile(tu, path), ctypes.c_void_p).value


def _in_file(location: cindex.SourceLocation, path: str, main: int | None) -> bool:
    """Whether a location is in the file parsed (path; main, its handle),
    written there or expanded there from a macro. Written there, the common
    case, takes one libclang call; elsewhere one more."""
    return bool(cindex.conf.lib.clang_Location_isFromMainFile(location)) or _file_is(location, path, main)


def _file_is(location: cindex.SourceLocation, path: str, main: int | None) -> bool:
    """Whether a location (where it is expanded) is in the file parsed, so that
    its offset indexes that file's text. Libclang's handles of files are
    compared: asking for a file's name took several calls."""
    if main is None:
        f = location.file
        return f is not None and f.name == path
    f = cindex.c_object_p()
    cindex.conf.lib.clang_getInstantiationLocation(location, ctypes.byref(f), None, None, None)
    return ctypes.cast(f, ctypes.c_void_p).value == main


def _children(cursor: cindex.Cursor, kinds: frozenset[int] | None = None) -> list[cindex.Cursor]:
    """A cursor's children (those of the kinds given), from one raw libclang
    visit: Cursor.get_children() makes two more libclang calls for each (an
    assertion that it is not null)."""
    found, tu = [], cursor._tu

    def visit(child, parent, data) -> int:
        if kinds is None or child._kind_id in kinds:
            child._tu = tu
            found.append(child)
        return 1   # CXChildVisit_Continue
    cindex.conf.lib.clang_visitChildren(cursor, cindex.callbacks["cursor_visit"](visit), None)
    return found


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


@lru_cache(maxsize=1)
def _prelude_text() -> str:
    """The prelude and the table macros it includes."""
    texts = []
    for path in (_prelude_path(), _pm_macros_path()):
        with open(path, encoding="utf-8") as f:
            texts.append(f.read())
    return "\n".join(texts)


@lru_cache(maxsize=1)
def _pm_macros_path() -> str:
    return str(resources.files("pmlint") / "include" / "pmlint_pm_macros.h")


@lru_cache(maxsize=1)
def _known_macros() -> frozenset:
    """Macros the prelude defines: never to be redefined as empty."""
    return frozenset(re.findall(r"#define\s+(\w+)", _prelude_text()))


@lru_cache(maxsize=1)
def _prelude_structs() -> frozenset:
    """Struct types the prelude defines: never to be replaced by a generic one."""
    return frozenset(re.findall(r"^struct (\w+) \{", _prelude_text(), re.M))


_LANGUAGE = ["-std=gnu11", "-nostdinc", "-ferror-limit=0", "-fno-spell-checking", "-w"]
_ARGS = ["-x", "c", *_LANGUAGE, "-include", _CONFIG, "-include", "PRELUDE", "-include", _EXTRAS]


# With real flags the kernel's headers are parsed. pmlint's marked table
# macros must replace theirs, and a -include comes too early for that: a
# directory searched first holds a header of the same name that includes the
# kernel's (#include_next), then the marked macros.
_SHADOW = "/__pmlint__/shadow"
_SHADOWED = ("linux/pm.h", "linux/pm_runtime.h", "linux/export.h")


def _arguments(options: ParseOptions) -> tuple[list[str], list[tuple[str, bytes]]]:
    """clang's arguments and the unsaved files they name: headerless or with real flags."""
    if not options.flags:
        macros = options.macros
        _parses[macros] += 1
        # Making the PCH costs about five parses' savings: not for a file or two.
        # Per process: a worker forked after its parent made one makes its own.
        pch = None
        if _parses[macros] > _PCH_AFTER and not _pch_failed:
            pch = _precompiled(macros, os.getpid())
        if pch is not None:
            return ["-x", "c", *_LANGUAGE, "-include-pch", pch, "-include", _EXTRAS], []
        return ([_prelude_path() if a == "PRELUDE" else a for a in _ARGS],
                [(_CONFIG, _config_header(macros))])
    args = ["-x", "c", "-ferror-limit=0", "-fno-spell-checking",
            f"-working-directory={options.directory}", "-I", _SHADOW, *options.flags, "-w",
            "-include", _EXTRAS]
    return args, _shadow_headers()


@lru_cache(maxsize=1)
def _shadow_headers() -> list[tuple[str, bytes]]:
    return [(f"{_SHADOW}/{h}", f'#include_next <{h}>\n#include "{_pm_macros_path()}"\n'.encode())
            for h in _SHADOWED]


@lru_cache(maxsize=8)
def _precompiled(config: tuple[str, ...], pid: int) -> str | None:
    """The configuration and the prelude as a precompiled header, or None if it
    cannot be made (then they are parsed as text, with the same result).

    Parsing them anew cost a third of each parse. A PCH must be a file: it
    goes in a directory of this process's own, removed when the process ends
    (a worker killed on a timeout leaves it: the next run's sweep removes it).
    It is written by a child process: writing one makes LLVM install signal
    handlers that would outlive it here and change how this process dies.
    """
    if not hasattr(os, "fork"):
        return None
    try:
        directory = _pch_directory(pid)
        digest = hashlib.sha256(repr(config).encode()).hexdigest()[:16]
        header, pch = os.path.join(directory, f"{digest}.h"), os.path.join(directory, f"{digest}.pch")
        with open(header, "wb") as f:
            f.write(_config_header(config) + f'#include "{_prelude_path()}"\n'.encode())
        pid = os.fork()
        if pid == 0:   # the child: never returns
            code = 1
            try:
                tu = _index().parse(header, args=["-x", "c-header", *_LANGUAGE],
                                    options=_FOR_SERIALIZATION)
                if not any(d.severity >= cindex.Diagnostic.Error for d in tu.diagnostics):
                    tu.save(pch)
                    code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return pch if status == 0 and os.path.exists(pch) else None
    except OSError:
        return None


_PCH_PREFIX = "pmlint-pch-"
_pch_failed = False   # clang rejected this process's PCH: the prelude as text from then on
# Left by a process that is gone (a worker killed on a timeout) and this old:
# a pid alone can mislead where /tmp is shared between pid namespaces.
_PCH_STALE_SECONDS = 24 * 3600
_PCH_AFTER = 6                                      # parses with the prelude as text first
_parses: collections.Counter = collections.Counter()   # by configuration, in this process


@lru_cache(maxsize=1)
def _pch_directory(pid: int) -> str:
    _sweep_pch_directories()
    directory = tempfile.mkdtemp(prefix=f"{_PCH_PREFIX}{os.getpid()}-")
    # Run at the exit of the main process and of multiprocessing's workers alike.
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(directory, True), exitpriority=0)
    return directory


def _sweep_pch_directories() -> None:
    """Remove what processes of this user that are gone left behind."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), f"{_PCH_PREFIX}*")):
        pid = os.path.basename(path)[len(_PCH_PREFIX):].split("-")[0]
        try:
            st = os.stat(path)
            if (st.st_uid != os.getuid() or not pid.isdigit()
                    or st.st_mtime > time.time() - _PCH_STALE_SECONDS):
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


@lru_cache(maxsize=8)
def _config_header(config: tuple[str, ...]) -> bytes:
    """The options as #defines (a whole .config on the command line is slow to parse)."""
    out = []
    for opt in config:
        name, equals, value = opt.partition("=")   # -D NAME= defines NAME as empty, as cc
        out.append(f"#define {name} {value if equals else 1}")
    return ("\n".join(out) + "\n").encode()


def _parse(path: str, text: bytes, unknowns: bytes, options: ParseOptions,
           flags: int) -> cindex.TranslationUnit:
    """One round: the file with pmlint's headers and what earlier rounds learnt.

    A round that fails with the precompiled prelude is parsed again with the
    prelude as text. If that works, clang rejected the PCH (removed or
    rewritten under a running process): it is given up for this process. If
    that fails too, the file is at fault (libclang crashed on it) and the PCH
    is kept: giving it up there made every later file of a tree parse slower.
    """
    global _pch_failed
    retried = False
    while True:
        args, fixed = _arguments(options)
        unsaved = [(path, text), *fixed, (_EXTRAS, unknowns)]
        try:
            return _index().parse(path, args=args, unsaved_files=unsaved, options=flags)
        except cindex.TranslationUnitLoadError:
            if "-include-pch" in args:
                _pch_failed = retried = True   # and once more, without it
                continue
            if retried:
                _pch_failed = False
            raise


def parse_source(path: str, source: bytes, options: ParseOptions = ParseOptions()) -> FileModel:
    """Parse one C file's bytes into a FileModel (never raises on bad C)."""
    # libclang takes names as UTF-8: bytes of a file name that are not get U+FFFD.
    clang_name = _STDIN if path == "-" else os.fsencode(path).decode("utf-8", "replace")
    if options.flags and path != "-":   # relative paths in the flags start elsewhere
        clang_name = os.path.abspath(clang_name)
    path, shown = clang_name, path
    unknowns = _Unknowns(designators=frozenset(m.decode() for m in _DESIGNATOR.findall(source)))
    lines = source.split(b"\n")
    # Bodies matter only in code that drives the PM core itself (PM4xx).
    flags = _OPTIONS
    if b"dpm_" in source and _PM_CORE_CALL.search(source):   # a pattern led by \b is slow to search
        flags &= ~cindex.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
    try:
        tu, diagnostics = _rounds(path, _as_utf8(source), lines, unknowns, options, flags)
    except cindex.TranslationUnitLoadError as exc:
        return FileModel(shown, problems=(Problem(shown, f"libclang could not parse the file: {exc}"),))
    undeclared = unknowns.names - unknowns.types - unknowns.declared
    model = _Extractor(path, shown, source, lines, tu, diagnostics).model(undeclared)
    more = {}
    if unknowns.refused:
        more["problems"] = model.problems + _refused(shown, source, unknowns.refused)
    if facts := _configurations(path, shown, source, options, unknowns):
        more["configurations"] = facts
    more.update(_variants(path, shown, source, options, unknowns))
    if not options.flags and (assumed := conditions.unevaluable(
            path, source, options.macros, _known_macros(), model)):
        more["assumed"] = assumed
    return dataclasses.replace(model, **more) if more else model


# A member a driver object's initializer sets that pmlint reads (_DRIVER_MEMBERS).
_PM_MEMBER_DESIGNATOR = re.compile(
    rb"\.\s*(?:pm|" + _PM_WORDS.encode() + rb"|reset_resume|suspend_late|resume_early)\s*(?==|\.)")


def _refused(shown: str, source: bytes, tags: set[str]) -> tuple[Problem, ...]:
    """The variables of a struct type refused after a libclang crash (see
    _rounds) whose initializer sets a member a driver object's PM callbacks
    are read from: clang drops it, so those are not analysed. The others
    cannot hold a PM table or callback pmlint reads."""
    out = []
    names = b"|".join(re.escape(t.encode()) for t in sorted(tags))
    head = re.compile(rb"\bstruct\s+(" + names + rb")\b[^;{}=()]*?\b([A-Za-z_]\w*)\s*(?:\[[^]]*\]\s*)*=\s*\{")
    for m in head.finditer(source):
        depth, pos = 0, m.end() - 1
        for token in re.finditer(rb"[{}]|" + _NOT_CODE.pattern, source[pos:], re.S):
            depth += {b"{": 1, b"}": -1}.get(token.group(), 0)
            if depth == 0:
                break
        end = pos + token.end()
        if _PM_MEMBER_DESIGNATOR.search(_NOT_CODE.sub(b" ", source[pos:end])):
            line = source.count(b"\n", 0, m.start(2)) + 1
            column = m.start(2) - source.rfind(b"\n", 0, m.start(2))
            out.append(Problem(shown, f"libclang crashes on this file once struct {m.group(1).decode()} is "
                                      f"declared: the initializer of '{m.group(2).decode()}' is not analysed",
                               line, column))
    return tuple(out)


class _Extractor:
    """Walk one translation unit's top-level declarations of the main file."""

    def __init__(self, path: str, shown: str, source: bytes, lines: list[bytes],
                 tu: cindex.TranslationUnit, diagnostics: list[_Diagnostic]):
        self.clang_path = path   # the name clang knows the file by
        self.path = shown        # the name locations report
        self.source = source
        self.lines = lines       # source split at newlines
        self.tu = tu
        self.main = _main_file(tu, path)
        self.diagnostics = diagnostics
        self.syntax_errors = [(d.line, d.text) for d in diagnostics
                              if d.error and d.here and _BROKEN.search(d.text)]

    # -- locations and source text ------------------------------------
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

    # -- the walk -----------------------------------------------------
    def model(self, undeclared=frozenset()) -> FileModel:
        tables: dict[str, PmTable] = {}
        drivers: list[DriverObject] = []
        functions: dict[str, Function] = {}
        exported: set[str] = set()
        problems: list[Problem] = self._skipped_text()
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
                elif tag is not None:
                    drv = self._driver(cur, tag)
                    if drv is not None:
                        drivers.append(drv)
        uses = self._uses(declarations)
        tables_out = tuple(
            dataclasses.replace(t, exported=t.name in exported, uses=tuple(uses.get(t.name, ())))
            for t in sorted(tables.values(), key=lambda t: (t.location, t.name)))
        callbacks = {s.callback for t in tables_out for s in t.slots}
        functions_out = {name: self._judge_body(f) if name in callbacks else f
                         for name, f in functions.items()}
        return FileModel(self.path, tables_out, tuple(drivers),
                         tuple(sorted(functions_out.values(), key=lambda f: (f.location, f.name))),
                         tuple(problems), left_out=self._left_out(undeclared),
                         conditionals=self._conditionals(),
                         sequences=tuple(sequences))

    def _conditionals(self) -> tuple[Conditional, ...]:
        """Every #if ... #endif block of the file, whether the configuration keeps it or not."""
        out, open_ = [], []   # open_: [first, condition, otherwise] of each open block
        line, counted = 1, 0   # lines counted on from the last directive, not from the top
        for m in _DIRECTIVE.finditer(self.source):
            line += self.source.count(b"\n", counted, m.start())
            counted = m.start()
            if m.group(1) in (b"elif", b"else"):
                if open_ and not open_[-1][2]:
                    open_[-1][2] = line
            elif m.group(1) != b"endif":
                open_.append([line, m.group().strip().decode("utf-8", "replace"), 0])
            elif open_:
                first, condition, otherwise = open_.pop()
                out.append(Conditional(first, line, condition, otherwise))
        return tuple(sorted(out, key=lambda c: c.first))

    def _left_out(self, undeclared) -> tuple[str, ...]:
        """Names nothing visible declares that the text defines as functions.

        Such a definition sits in code the configuration leaves out (#ifdef),
        so the name is the file's own, not one from a header that is missing.
        """
        if not undeclared:
            return ()
        # One pass for all names, not one per name: a line start admits one name at most.
        defined = {m.group(1).decode() for m in _DEFINITION_HEAD.finditer(self.source)}
        return tuple(sorted(n for n in undeclared if n in defined))

    def _uses(self, declarations) -> dict[str, list[Location]]:
        """Where the text names each table outside its declarations.

        A text search, not the AST: bodies are skipped, and a use inside a
        block the configuration leaves out still attaches the table.
        """
        uses: dict[str, list[Location]] = {}
        if not declarations:
            return uses
        names = b"|".join(re.escape(name.encode()) for name, _, _ in declarations)
        hits = [(m.group().decode(), m.start())
                for m in re.finditer(rb"\b(?:" + names + rb")\b", self.source)]
        hits = [(name, at) for name, at in hits
                if not any(n == name and a <= at < b for n, a, b in declarations)]
        if not hits:
            return uses
        # Comments and literals up to the last hit: a hit in one is no use.
        # No name holds a character that starts one, so they are found apart
        # from the names: alone, the pattern has a first character to look
        # for, and is several times faster.
        not_code = []
        for m in _NOT_CODE.finditer(self.source):
            if m.start() > hits[-1][1]:
                break
            not_code.append((m.start(), m.end()))
        starts = [a for a, _ in not_code]
        for name, at in hits:
            i = bisect.bisect_right(starts, at) - 1
            if i < 0 or at >= not_code[i][1]:
                line = self.source.count(b"\n", 0, at) + 1
                column = at - self.source.rfind(b"\n", 0, at)
                uses.setdefault(name, []).append(Location(self.path, line, column))
        return uses

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

    def _skipped_text(self) -> list[Problem]:
        """A problem at the first error after which clang skipped text it did not parse."""
        found = []
        for d in self.diagnostics:
            if not (d.error and d.here):
                continue
            if _SKIPS_TEXT.search(d.text):
                reason = d.text
            else:
                line = self.lines[d.line - 1] if 0 < d.line <= len(self.lines) else b""
                quote = re.search(rb"[\"']", _CLOSED.sub(b"", line))
                if not quote:
                    continue
                reason = f"missing terminating {quote.group().decode()} character"
            found.append((d.line, d.column, reason))
        if not found:
            return []
        line, column, reason = min(found)
        return [Problem(self.path, f"{reason}; the code after it may not be analysed", line, column)]

    def _driver(self, cur, tag: str) -> DriverObject | None:
        if tag != "xenbus_driver" and not self._may_set_pm(cur):
            return None
        init = self._init_list(cur)
        if init is None:
            return None
        slots = self._members(init, cur.type, _DRIVER_MEMBERS.match)
        if not slots and tag != "xenbus_driver":
            return None
        return DriverObject(cur.spelling, tag, self._loc(cur), slots)

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

    def _members(self, init, ctype, wanted=None, nulls=False):
        """The non-NULL members, as C sets them: a later initializer of a member
        replaces an earlier one (SET_SYSTEM_SLEEP_PM_OPS(...) then .freeze = NULL).
        With nulls, also the names of the members last set to NULL."""
        last: dict[str, Slot | None] = {}
        for name, slot in self._slots(init, ctype, wanted=wanted):
            last[name] = slot
        slots = tuple(s for s in last.values() if s is not None)
        if nulls:
            return slots, tuple(n for n, s in last.items() if s is None)
        return slots

    def _slots(self, init, ctype, prefix: str = "", wanted=None):
        """Yield (member, Slot, or None for NULL) for every member an initializer list sets.

        wanted(name), when given, picks the members to resolve: resolving a
        value (its tokens, its macros) is the costly part, and a driver
        struct has many members that are not about PM.
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
            name = ".".join(([prefix] if prefix else []) + path)
            inner = _unwrap(value)
            if inner.kind == CK.INIT_LIST_EXPR:
                yield from self._slots(inner, _member_type(ctype, path), name, wanted)
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
    """Member names in order; none for a struct pmlint made up, whose order means nothing."""
    t = ctype.get_canonical()
    if t.kind != cindex.TypeKind.RECORD:
        return []
    where = t.get_declaration().location.file
    if where is not None and where.name == _EXTRAS:
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


# -- functions that drive the PM core (PM4xx) ---------------------------

# Calls that start a PM transition step; a function making one with a
# PMSG_* message is modelled statement by statement.
SUSPEND_STEPS = ("dpm_prepare", "dpm_suspend_start", "dpm_suspend", "dpm_suspend_end",
                 "dpm_suspend_late", "dpm_suspend_noirq")
_PM_CORE_CALL = re.compile(rb"\bdpm_(?:prepare|suspend)")
_PMSG = re.compile(r"PMSG_[A-Z]+")


# Storage classes of a local variable that is not indeterminate until set.
_NOT_AUTOMATIC = (cindex.StorageClass.STATIC, cindex.StorageClass.EXTERN)


class _SequenceBuilder:
    """Reduce a function body to Steps: control flow, dpm_* calls, messages."""

    def __init__(self, extractor: "_Extractor"):
        self.x = extractor

    def sequence(self, fn) -> PmSequence | None:
        body = next((c for c in _children(fn) if c.kind == CK.COMPOUND_STMT), None)
        if body is None or not self._drives_pm_core(body):
            return None
        return PmSequence(fn.spelling, self.x._loc(fn), self._block(body))

    def _drives_pm_core(self, node) -> bool:
        for c in node.walk_preorder():
            if c.kind == CK.CALL_EXPR and c.spelling in SUSPEND_STEPS:
                args = list(c.get_arguments())
                if args and any(m.startswith("PMSG_") for m in self._messages(args[0])):
                    return True
        return False

    def _block(self, node) -> tuple[Step, ...]:
        out: list[Step] = []
        for c in _children(node):
            out += self._stmt(c)
        return tuple(out)

    def _one(self, node) -> tuple[Step, ...]:
        return self._block(node) if node.kind == CK.COMPOUND_STMT else tuple(self._stmt(node))

    def _stmt(self, c) -> list[Step]:
        k, line = c.kind, c.location.line
        kids = _children(c)
        if k == CK.COMPOUND_STMT:
            return [Step("block", line, body=self._block(c))]
        if k == CK.IF_STMT:
            cond, then = kids[0], kids[1]
            pre, test = self._condition(cond)
            orelse = self._one(kids[2]) if len(kids) > 2 else ()
            return pre + [Step("if", line, cond=test, body=self._one(then), orelse=orelse)]
        if k in (CK.WHILE_STMT, CK.FOR_STMT, CK.DO_STMT):
            body = kids[0] if k == CK.DO_STMT else kids[-1]
            return [Step("loop", line, name="do" if k == CK.DO_STMT else "", body=self._one(body))]
        if k == CK.SWITCH_STMT:
            return [Step("switch", line, body=self._one(kids[-1]))]
        if k in (CK.CASE_STMT, CK.DEFAULT_STMT):
            return [Step("case", line)] + (self._stmt(kids[-1]) if kids else [])
        if k == CK.LABEL_STMT:
            return [Step("label", line, name=c.spelling)] + (self._stmt(kids[-1]) if kids else [])
        if k == CK.GOTO_STMT:
            target = next((t.spelling for t in _children(c) if t.kind == CK.LABEL_REF), "")
            return [Step("goto", line, name=target)]
        if k == CK.RETURN_STMT:
            return self._calls(c) + [Step("return", line)]
        if k == CK.BREAK_STMT:
            return [Step("break", line)]
        if k == CK.CONTINUE_STMT:
            return [Step("continue", line)]
        if k == CK.DECL_STMT:
            out = []
            for var in kids:
                init = [v for v in _children(var) if v.kind != CK.TYPE_REF]
                if var.kind == CK.VAR_DECL and init:
                    out += self._assignment(var.spelling, init[-1], line)
                elif var.kind == CK.VAR_DECL and var.storage_class not in _NOT_AUTOMATIC:
                    out.append(Step("declare", line, name=var.spelling))
            return out
        if k == CK.BINARY_OPERATOR and self._operator(c) == "=" and len(kids) == 2:
            lhs = self._unwrap(kids[0])
            name = self._text(lhs) if lhs.kind in (CK.DECL_REF_EXPR, CK.MEMBER_REF_EXPR) else ""
            return self._assignment(name, kids[1], line)
        return self._calls(c)

    def _assignment(self, var: str, value, line: int) -> list[Step]:
        node = self._unwrap(value)
        if node.kind == CK.CALL_EXPR:
            inner = self._calls(node)
            return inner[:-1] + [dataclasses.replace(inner[-1], result=var)] if inner else []
        msgs = self._messages(value)
        if msgs:
            return [Step("assign", line, name=var, messages=msgs, reads=self._reads(value))]
        return self._calls(value) + [Step("assign", line, name=var, reads=self._reads(value))]

    def _calls(self, node) -> list[Step]:
        """The calls in an expression, innermost first, as the program runs them;
        before them an assign of unknown value to each variable the
        expression may set otherwise (&x passed on, x++, x += ...)."""
        out, taken = [], []
        for c in node.walk_preorder():
            if c.kind == CK.CALL_EXPR and c.spelling:
                args = list(c.get_arguments())
                msgs, reads = (), ()
                if c.spelling.startswith("dpm_") and args:
                    msgs, reads = self._messages(args[0]), self._reads(args[0])
                out.append(Step("call", c.location.line, name=c.spelling, messages=msgs, reads=reads))
            elif c.kind in (CK.UNARY_OPERATOR, CK.COMPOUND_ASSIGNMENT_OPERATOR):
                if (root := self._modified(c)) and root not in taken:
                    taken.append(root)
        return [Step("assign", node.location.line, name=r) for r in taken] + out[::-1]

    def _modified(self, node) -> str:
        """The variable `&x`, `x++`, `--x` or `x op= ...` may set ("" if none)."""
        if node.kind == CK.UNARY_OPERATOR:
            tokens = [t.spelling for t in node.get_tokens()]
            if not tokens or not (tokens[0] in ("&", "++", "--") or tokens[-1] in ("++", "--")):
                return ""
        kids = _children(node)
        target = self._unwrap(kids[0]) if kids else None
        while target is not None and target.kind in (CK.MEMBER_REF_EXPR, CK.ARRAY_SUBSCRIPT_EXPR):
            inner = _children(target)
            target = self._unwrap(inner[0]) if inner else None
        return target.spelling if target is not None and target.kind == CK.DECL_REF_EXPR else ""

    def _reads(self, node) -> tuple[str, ...]:
        """The variables and members an expression reads, as written (their
        tokens), outermost first; not those whose address it takes."""
        out: list[str] = []

        def visit(n) -> None:
            n = self._unwrap(n)
            if n.kind == CK.DECL_REF_EXPR:
                out.append(n.spelling)
                return
            if n.kind == CK.MEMBER_REF_EXPR:
                out.append(self._text(n))
                return
            if n.kind == CK.UNARY_OPERATOR and self._text(n).startswith("&"):
                return
            for k in _children(n):
                visit(k)
        visit(node)
        return tuple(dict.fromkeys(out))

    def _condition(self, cond) -> tuple[list[Step], tuple]:
        """Steps run while evaluating a condition, and what it tests."""
        node, sense = self._unwrap(cond), True
        while node.kind == CK.UNARY_OPERATOR and self._text(node).startswith("!"):
            node, sense = self._unwrap(_children(node)[0]), not sense
        if node.kind == CK.BINARY_OPERATOR:
            op = self._operator(node)
            lhs, rhs = [self._unwrap(k) for k in _children(node)]
            if op in ("!=", "<", "==") and self._text(rhs) == "0":
                node, sense = lhs, sense if op != "==" else not sense
        if node.kind == CK.CALL_EXPR:
            calls = self._calls(node)
            calls[-1] = dataclasses.replace(calls[-1], result="$cond")
            return calls, ("var", "$cond", sense)
        if node.kind == CK.DECL_REF_EXPR:
            return [], ("var", node.spelling, sense)
        return self._calls(cond), ("text", self._text(cond))

    def _messages(self, node) -> tuple[str, ...]:
        """PMSG_ values an argument can have: both arms of ?:, a variable as var:NAME."""
        node = self._unwrap(node)
        if node.kind == CK.CONDITIONAL_OPERATOR:
            _, yes, no = _children(node)[:3]
            return tuple(dict.fromkeys(self._messages(yes) + self._messages(no)))
        word = self.x._word_at(self.x._loc(node))
        if _PMSG.fullmatch(word):
            return (word,)
        if node.kind == CK.DECL_REF_EXPR:
            return (f"var:{node.spelling}",)
        return ()

    @staticmethod
    def _unwrap(node):
        while node.kind in (CK.UNEXPOSED_EXPR, CK.PAREN_EXPR):
            kids = _children(node)
            if len(kids) != 1:
                break
            node = kids[0]
        return node

    @staticmethod
    def _text(node) -> str:
        return " ".join(t.spelling for t in node.get_tokens())

    @staticmethod
    def _operator(node) -> str:
        """A binary operator's spelling: the first token after the left operand."""
        lhs = _children(node)[0]
        end = lhs.extent.end.offset
        for t in node.get_tokens():
            if t.extent.start.offset >= end:
                return t.spelling
        return ""


# -- the file with an option switched off (PM204, PM205) -----------------

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
    from pmlint.kconfig import switched_off, with_dependents
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


def _for_bodies(unknowns: _Unknowns) -> _Unknowns:
    """What the main parse learnt, for parses of other configurations, which
    learn on from it for the next. They parse bodies, where a made-up
    member used as an index or in arithmetic must stay unknown (as a void *
    it breaks the expression and drops the references in it): no
    designators as members here, they are learnt one error at a time."""
    return dataclasses.replace(copy.deepcopy(unknowns), designators=frozenset())


# -- the PM-core callers in every configuration of their #ifs (PM401-PM404)

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
    from pmlint.buildneeds import needs, requires
    from pmlint.kconfig import switched_off, with_dependents
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
