"""Output shaped like `scripts/checkpatch.pl --show-types -f FILE...`.

Kernel tooling (b4, patchwork checks, CI bots) already parses checkpatch's
blocks and its `total:` line, so pmlint imitates them: per file, the blocks
of `sub report`, then the summary and trailer that checkpatch prints after
each file. Its NOTE paragraphs about --fix and checkpatch's maintainers are
left out: they would be false for pmlint. Only files with findings appear,
as only their names and lines reach the report.
"""
from __future__ import annotations

from pmlint.report import Report

LEVEL = {"error": "ERROR", "warning": "WARNING", "note": "CHECK"}


def _block(f, source: tuple[str, ...], terse: bool, showfile: bool) -> str:
    # checkpatch builds "LEVEL:TYPE: msg", "#N: FILE: path:N:", "+line", "";
    # --showfile drops the second line and --terse keeps only the first,
    # both then naming the file in front of the first.
    head = f"{LEVEL[f.severity]}:{f.rule}: {f.message}"
    if f.notes and not terse:
        head += "".join(f"\n  note: {n.path}:{n.line}: {n.message}" for n in f.notes)
    if terse or showfile:
        head = f"{f.path}:{f.line}: {head}"
    if terse:
        return head + "\n"
    lines = [head] if showfile else [head, f"#{f.line}: FILE: {f.path}:{f.line}:"]
    if 0 < f.line <= len(source):
        lines.append("+" + source[f.line - 1])
    return "\n".join(lines) + "\n\n"


def _total(findings, lines: int, strict: bool) -> str:
    count = {level: sum(f.severity == level for f in findings) for level in LEVEL}
    checks = f"{count['note']} checks, " if strict else ""
    return (f"total: {count['error']} errors, {count['warning']} warnings, {checks}"
            f"{lines} lines checked\n")


def render(report: Report) -> str:
    terse = report.format_options.get("terse", False)
    showfile = report.format_options.get("showfile", False)
    # checkpatch counts CHECKs only under --strict; pmlint reports notes as CHECKs.
    strict = any(f.severity == "note" for f in report.findings)
    by_file: dict[str, list] = {}
    for f in report.findings:
        by_file.setdefault(f.path, []).append(f)
    if not by_file:
        # A clean run: checkpatch --terse (quiet) prints nothing, otherwise the summary.
        return "" if terse else _total((), sum(map(len, report.sources.values())), strict)
    out = []
    for path, findings in by_file.items():
        source = report.sources.get(path, ())
        if report.files > 1 and not terse:  # checkpatch heads each file when given several
            out.append(f"{'-' * len(path)}\n{path}\n{'-' * len(path)}\n")
        out += [_block(f, source, terse, showfile) for f in findings]
        out.append(_total(findings, len(source), strict))
        if not terse:
            out.append(f"\n{path} has style problems, please review.\n")
    return "".join(out)
