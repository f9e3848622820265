"""parse_source: one C file's bytes to its FileModel.
"""
from __future__ import annotations

import dataclasses
import os

from clang import cindex

from pmlint import conditions
from pmlint.frontend.clang import _OPTIONS, _STDIN, _as_utf8, _known_macros
from pmlint.frontend.configurations import _configurations, _variants
from pmlint.frontend.extract import _Extractor
from pmlint.frontend.parseoptions import ParseOptions
from pmlint.frontend.rounds import _DESIGNATOR, _Unknowns, _rounds
from pmlint.frontend.statements import _PM_CORE_CALL
from pmlint.frontend.textfacts import _refused
from pmlint.model import FileModel, Problem


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
