"""libclang plumbing: the index, cursors walked in raw visits, locations in the
file parsed, and one parse with pmlint's prelude, as text or precompiled (PCH).
"""
from __future__ import annotations

import codecs
import collections
import ctypes
import glob
import hashlib
import multiprocessing.util
import os
import re
import shutil
import tempfile
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

import clang
from clang import cindex

from pmlint.frontend.parseoptions import ParseOptions

CK = cindex.CursorKind

# CXTranslationUnit_KeepGoing: a missing #include must not stop the parse.
_KEEP_GOING = 0x200
_DECL_REF, _TYPE_REF = CK.DECL_REF_EXPR.value, CK.TYPE_REF.value
_DECLARATIONS = frozenset({CK.FUNCTION_DECL.value, CK.VAR_DECL.value})
_RECURSE = 2   # CXChildVisit_Recurse
_FOR_SERIALIZATION = 0x10
_OPTIONS = (cindex.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
            | cindex.TranslationUnit.PARSE_INCOMPLETE | _KEEP_GOING)
_EXTRAS = "/__pmlint__/pmlint_unknowns.h"
_CONFIG = "/__pmlint__/pmlint_config.h"
_STDIN = "/__pmlint__/stdin.c"


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


def libclang_files() -> list[Path]:
    """The native libclang the bindings load: a result cache's key changes with it."""
    return sorted((Path(clang.__file__).parent / "native").glob("libclang*"))


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
