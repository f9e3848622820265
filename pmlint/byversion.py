"""One file over a range of kernels (`--kernel-version A..B`): analysed
once per interval of the range on which its version checks do not change
(pmlint.kranges), at the interval's first version, and the results merged.

The parse of each interval is the usual one with another kernel_version in
ParseOptions, which the configuration header defines as it does the
CONFIG_ options (and PM204/PM205's configurations): every rule judges every
interval. A finding found in several intervals is one finding; one that
holds for part of the range gets a note saying for which kernels. The
tables are those of every interval. When the file's checks split the range
into more intervals than the bound, PM001 says which #if was not analysed
apart.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from pmlint import engine, kranges, kversion, pmcore
from pmlint.model import Assumption, FileModel, Finding, Note


def analyse(path: str, source: bytes, options, rules, run: Callable):
    """run(options) -> a runner.FileResult; the merged result of every interval."""
    whole = kranges.Interval(options.kernel_version, options.kernel_upto)
    parts = kranges.split(source, whole.first, whole.last)
    results = [run(dataclasses.replace(options, kernel_version=iv.first, kernel_upto=None))
               for iv in parts.intervals]
    first = results[0]
    if len(results) == 1 and not parts.cut:
        return first
    findings = _merged_findings(parts.intervals, [r.findings for r in results], whole)
    if parts.cut:
        findings += _cut(path, source, parts, whole, rules)
    tables, failures = {}, {}
    for r in results:
        tables.update({(t.name, t.location): t for t in r.model.tables if (t.name, t.location) not in tables})
        failures.update(dict.fromkeys(r.failures))
    model = dataclasses.replace(first.model, tables=tuple(sorted(tables.values(), key=lambda t: t.location)))
    return dataclasses.replace(first, model=model, findings=tuple(sorted(findings)),
                               failures=tuple(failures),
                               source=source if findings and b"\0" not in source else None)


def _merged_findings(intervals, found, whole: kranges.Interval) -> list[Finding]:
    where: dict[Finding, list[int]] = {}
    kept: dict[Finding, Finding] = {}
    for index, findings in enumerate(found):
        for f in findings:
            kept.setdefault(f, f)
            where.setdefault(f, []).append(index)
    out = []
    for f, indices in where.items():
        f = kept[f]
        if len(indices) < len(intervals):
            spans = pmcore.listed(_spans([intervals[i] for i in indices]))
            f = dataclasses.replace(f, notes=(*f.notes, Note(
                f.path, f.line, f.column, f"holds for kernels {spans} only, of {whole.shown}: "
                "the file's version checks leave it out of the others")))
        out.append(f)
    return out


def _spans(intervals) -> list[str]:
    """Adjacent intervals as one span: 5.4..5.9 and 5.10..5.16 as 5.4..5.16."""
    spans: list[list] = []
    for iv in intervals:
        if spans and kversion.before(iv.first) == spans[-1][1]:
            spans[-1][1] = iv.last
        else:
            spans.append([iv.first, iv.last])
    return [kversion.span(a, b) for a, b in spans]


def _cut(path: str, source: bytes, parts: kranges.Split, whole, rules) -> list[Finding]:
    """PM001 on the first #if the bound left unanalysed."""
    line = source.split(b"\n")[parts.cut_line - 1].decode("utf-8", "replace")
    last = parts.intervals[-1]
    said = (f"{whole.shown} has {len(parts.intervals) + len(parts.cut)} intervals on which the "
            f"file's version checks do not change, and pmlint analyses at most {kranges.BOUND}: "
            f"kernels {last.shown} were analysed as {kversion.shown(last.first)}, so what changes "
            f"at {pmcore.listed(kversion.shown(v) for v in parts.cut)} was not seen")
    assumed = Assumption(parts.cut_line, " ".join(line.split()), (), False, said)
    pm001 = [r for r in rules if r.match["kind"] == "unevaluable-condition"]
    return engine.evaluate(FileModel(path, assumed=(assumed,)), pm001)
