"""One file analysed once per outcome of the checks its #ifs make, and the
results merged. Two axes of one enumeration: the intervals of a kernel range
(`--kernel-version A..B`) on which its version checks do not change
(pmlint.kernel.kranges), each analysed at its first version; and the settings of
the driver's own CONFIG_ options around its PM code (pmlint.pipeline.optionscan),
each on and off. Every pair of an interval and a setting is a parse.

Each parse is the usual one with another kernel_version or config in
ParseOptions: every rule judges every outcome. A finding found in several
outcomes is one finding; one that holds for part of them gets a note saying
for which kernels, or with which options. The tables and driver objects are
those of every outcome. When an axis has more outcomes than its bound,
PM001 says which #if was not analysed apart.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from pmlint import engine
from pmlint.kernel import kranges, kversion, pmcore
from pmlint.pipeline import optionscan
from pmlint.model import Assumption, FileModel, Finding, Note


def analyse(path: str, source: bytes, options, rules, run: Callable, in_tree: bool = True):
    """run(options) -> a runner.FileResult; the merged result of every outcome."""
    whole = kranges.Interval(options.kernel_version, options.kernel_upto or options.kernel_version)
    parts = kranges.split(source, whole.first, whole.last)
    first = run(dataclasses.replace(options, kernel_version=whole.first, kernel_upto=None))
    varied = (optionscan.settings(path, source, options, first.model, in_tree)
              if options.vary_options else optionscan.Settings((optionscan.Setting((), options.config),)))
    outcomes = [(i, s) for i in range(len(parts.intervals)) for s in range(len(varied.settings))]
    if len(outcomes) == 1 and not parts.cut and not varied.cut:
        return first
    results = [first] + [run(dataclasses.replace(
        options, kernel_version=parts.intervals[i].first, kernel_upto=None,
        config=varied.settings[s].config)) for i, s in outcomes[1:]]
    findings = _merged_findings(parts.intervals, varied.settings, outcomes,
                                [r.findings for r in results], whole)
    if parts.cut:
        findings += _version_cut(path, source, parts, whole, rules)
    if varied.cut:
        findings += _options_cut(path, varied, rules)
    model = dataclasses.replace(first.model, tables=_union(r.model.tables for r in results),
                                drivers=_union(r.model.drivers for r in results))
    failures = dict.fromkeys(f for r in results for f in r.failures)
    return dataclasses.replace(first, model=model, findings=tuple(sorted(findings)),
                               failures=tuple(failures),
                               source=source if findings and b"\0" not in source else None)


def _union(found) -> tuple:
    """The tables (or driver objects) of every outcome, each once, in the file's order."""
    kept: dict = {}
    for objects in found:
        for o in objects:
            kept.setdefault((o.name, o.location), o)
    return tuple(sorted(kept.values(), key=lambda o: o.location))


def _merged_findings(intervals, settings, outcomes, found, whole: kranges.Interval) -> list[Finding]:
    where: dict[Finding, list[tuple[int, int]]] = {}
    kept: dict[Finding, Finding] = {}
    for outcome, findings in zip(outcomes, found):
        for f in findings:
            kept.setdefault(f, f)
            where.setdefault(f, []).append(outcome)
    out = []
    for f, held in where.items():
        f = kept[f]
        if len(held) < len(outcomes):
            f = dataclasses.replace(f, notes=(*f.notes, Note(
                f.path, f.line, f.column, _where(intervals, settings, set(held), whole))))
        out.append(f)
    return out


def _where(intervals, settings, held: set, whole) -> str:
    """Under which outcomes a finding holds, in words."""
    kernels = sorted({i for i, _ in held})
    chosen = sorted({s for _, s in held})
    if held == {(i, s) for i in kernels for s in chosen}:   # some kernels, with some options
        said = []
        if len(kernels) < len(intervals):
            said.append(f"for kernels {_kernels(intervals, kernels)}")
        if len(chosen) < len(settings):
            said.append(f"with {_options(settings, chosen)}")
    else:
        said = [" and ".join(f"for kernels {_kernels(intervals, [i])} with "
                             f"{_options(settings, sorted(s for j, s in held if j == i))}"
                             for i in kernels)]
    why = [w for w, axis in (("version checks", len(kernels) < len(intervals)),
                             ("#ifs of its own options", len(chosen) < len(settings))) if axis]
    of = f", of {whole.shown}" if len(kernels) < len(intervals) else ""
    return (f"holds {' '.join(said)} only{of}: the file's {' and '.join(why)} "
            "leave it out of the others")


def _kernels(intervals, indices) -> str:
    return pmcore.listed(_spans([intervals[i] for i in indices]))


def _options(settings, indices) -> str:
    """The settings as few options as tell them apart from the others: CONFIG_X=y and CONFIG_Y=n."""
    chosen = [settings[i].shown for i in indices]
    common = [v for v in chosen[0] if all(v in c for c in chosen)]
    if _having(settings, common) == set(indices):
        return " and ".join(map(_value, common))
    # One option's value each, any of them (#if IS_ENABLED(CONFIG_A) || IS_ENABLED(CONFIG_B)).
    names = [v.lstrip("!") for v in settings[0].shown]
    alone = sorted((v for v in dict.fromkeys(v for c in chosen for v in c)
                    if _having(settings, [v]) <= set(indices)),
                   key=lambda v: names.index(v.lstrip("!")))
    if set().union(*(_having(settings, [v]) for v in alone)) == set(indices):
        return " or ".join(map(_value, alone))
    return " or ".join(" and ".join(map(_value, c)) for c in chosen)


def _having(settings, values) -> set[int]:
    return {i for i, s in enumerate(settings) if set(values) <= set(s.shown)}


def _value(shown: str) -> str:
    return f"{shown[1:]}=n" if shown.startswith("!") else f"{shown}=y"


def _spans(intervals) -> list[str]:
    """Adjacent intervals as one span: 5.4..5.9 and 5.10..5.16 as 5.4..5.16."""
    spans: list[list] = []
    for iv in intervals:
        if spans and kversion.before(iv.first) == spans[-1][1]:
            spans[-1][1] = iv.last
        else:
            spans.append([iv.first, iv.last])
    return [kversion.span(a, b) for a, b in spans]


def _version_cut(path: str, source: bytes, parts: kranges.Split, whole, rules) -> list[Finding]:
    """PM001 on the first #if the bound left unanalysed."""
    line = source.split(b"\n")[parts.cut_line - 1].decode("utf-8", "replace")
    last = parts.intervals[-1]
    said = (f"{whole.shown} has {len(parts.intervals) + len(parts.cut)} intervals on which the "
            f"file's version checks do not change, and pmlint analyses at most {kranges.BOUND}: "
            f"kernels {last.shown} were analysed as {kversion.shown(last.first)}, so what changes "
            f"at {pmcore.listed(kversion.shown(v) for v in parts.cut)} was not seen")
    return _pm001(path, parts.cut_line, " ".join(line.split()), said, rules)


def _options_cut(path: str, varied: optionscan.Settings, rules) -> list[Finding]:
    """PM001 on the first #if naming an option the bound left as given."""
    said = (f"the file's #ifs around PM code name more of its own options than pmlint "
            f"analyses both ways (at most {optionscan.MAX_CONFIGURATIONS} configurations): "
            f"{pmcore.listed(varied.cut)} {'was' if len(varied.cut) == 1 else 'were'} analysed "
            "as configured only (off unless -D sets it); give -D or -U to check the other way")
    return _pm001(path, varied.cut_line, varied.cut_condition, said, rules)


def _pm001(path: str, line: int, condition: str, said: str, rules) -> list[Finding]:
    assumed = Assumption(line, condition, (), False, said)
    pm001 = [r for r in rules if r.match["kind"] == "unevaluable-condition"]
    return engine.evaluate(FileModel(path, assumed=(assumed,)), pm001)
