"""parse_source: one C file's bytes to its FileModel.
"""
from __future__ import annotations

import dataclasses
import os
import re

from clang import cindex

from pmlint.text import conditions
from pmlint.frontend.clang import _OPTIONS, _STDIN, _as_utf8, _known_macros
from pmlint.frontend.configurations import _configurations, _variants
from pmlint.frontend.extract import _Extractor
from pmlint.frontend.parseoptions import ParseOptions
from pmlint.frontend.rounds import _DESIGNATOR, _Unknowns, _rounds
from pmlint.frontend.statements import _PM_CORE_CALL
from pmlint.frontend.textfacts import _refused
from pmlint.model import Assumption, FileModel, Problem


_NOT_FOUND = re.compile(r"'([^']+)' file not found")
_CHECK_FLAGS = "check the compile command's directory and -I paths"


def _missing_headers(diagnostics) -> list[tuple[int, str]]:
    """With real flags, the includes the flags did not resolve (a compile
    command from another directory, a module's flags without the kernel
    tree's include paths): (line, header)."""
    return [(d.line, m.group(1)) for d in diagnostics if d.here and (m := _NOT_FOUND.search(d.text))]


def _unresolved(model: FileModel, missing: list[tuple[int, str]]) -> dict:
    """Never silent on headers the flags do not find: the reason on each
    problem (PM000), or, where the file's PM code parsed, a PM001 note."""
    named = ", ".join(f"'{h}' (line {n})" for n, h in missing[:3]) + (" ..." if len(missing) > 3 else "")
    if model.problems:
        why = f"; with the flags given, {len(missing)} included header(s) were not found: {named} ({_CHECK_FLAGS})"
        return {"problems": tuple(dataclasses.replace(p, reason=p.reason + why) for p in model.problems)}
    if not (model.tables or model.drivers):
        return {}
    line, header = missing[0]
    said = (f"the flags given do not find this header ({len(missing)} not found: {named}); "
            f"what it declares is unknown, so the callbacks may be misread ({_CHECK_FLAGS})")
    return {"assumed": (*model.assumed, Assumption(line, f"#include <{header}>", (), False, said))}


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
    if options.flags and (missing := _missing_headers(diagnostics)):
        more.update(_unresolved(dataclasses.replace(model, **more), missing))
    if facts := _configurations(path, shown, source, options, unknowns):
        more["configurations"] = facts
    more.update(_variants(path, shown, source, options, unknowns))
    if not options.flags and (assumed := conditions.unevaluable(
            path, source, options.macros, _known_macros(), model)):
        more["assumed"] = assumed
    return dataclasses.replace(model, **more) if more else model
