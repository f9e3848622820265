"""A run: its settings derived once, then the same phases whatever the mode.

As flake8's Application: a front end (pmlint.cli.main for the command line,
pmlint.cli.kbuild for kbuild's checker calls, `pmlint show`) derives one
Settings; Run.collect analyses the files into a Report (patch mode fills the
same Report from a patch instead); Run.filter keeps what the project
configuration and the baseline keep. What a mode does with the findings kept
(print them, fix them, write a baseline) is its own few lines.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pmlint import baseline, catalogue
from pmlint.catalogue import Rule
from pmlint.config import Config
from pmlint.filters import apply_config, selected_rules
from pmlint.frontend import ParseOptions
from pmlint.pipeline.workers import DEFAULT_TIMEOUT
from pmlint.report import Report


def rules_for(cfg: Config, select: Iterable[str], ignore: Iterable[str]) -> tuple[Rule, ...]:
    """The rules a run evaluates: those selected and not ignored, with the
    project's additions to the effect vocabulary."""
    chosen = selected_rules(catalogue.rules(), list(select), list(ignore))
    return tuple(catalogue.with_vocabulary(chosen, cfg.effects))


@dataclass(frozen=True)
class Settings:
    """Everything a run is told, derived once by its front end; the phases
    read it and none changes it. What is parsed follows from the rules
    (pipeline.inputs.parsed_for, in the runner and in the cache's key)."""

    config: Config
    rules: tuple[Rule, ...]
    options: ParseOptions
    jobs: int = 0
    timeout: float = DEFAULT_TIMEOUT
    cache_dir: str | None = None           # None: neither read nor write a cache
    build: object = None                   # a pipeline.compdb.CompileDatabase (-p)
    keep_sources: bool = True              # for the outputs that show source lines
    baseline: str | None = None            # --baseline FILE
    place: baseline.Place | None = None    # what the baseline's paths are relative to


class Run:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.started = time.monotonic()

    def results(self, files: Iterable[str], rejected: bool = True) -> Iterator:
        """One pipeline.runner.FileResult per file, in order (with rejected,
        for the files the pre-filter rejects too)."""
        from pmlint.pipeline import kconfigstore
        from pmlint.pipeline.cache import ResultCache
        from pmlint.pipeline.runner import analyse
        s = self.settings
        if s.cache_dir is None:   # and no Kconfig reading kept for an earlier run's cache
            kconfigstore.keep_in(None)
        cache = None if s.cache_dir is None else ResultCache(s.cache_dir, s.options, s.rules, s.build)
        return analyse(files, s.options, s.rules, s.jobs, s.timeout, cache, s.build,
                       s.keep_sources, rejected)

    def collect(self, files: Iterable[str], report: Report,
                tick: Callable[[int], None] | None = None) -> Report:
        """The files' findings, tables, rules' failures and files not
        analysed, into the report; tick(n) after the n-th result."""
        for done, result in enumerate(self.results(files, rejected=False), 1):
            if tick is not None:
                tick(done)
            report.findings += result.findings
            report.errors += [{"path": f.path, "message": f.message} for f in result.failures]
            report.tables += result.model.tables
            report.not_analysed += bool(result.model.problems)
            if self.settings.keep_sources and result.source is not None:
                report.sources[result.model.path] = result.lines
        return report

    def filter(self, report: Report) -> Report:
        """Per-file ignores and severities, then the baseline; sorted. Every
        mode's findings pass here, so a finding dropped is dropped for all
        (its fix too)."""
        s = self.settings
        report.findings = apply_config(report.findings, s.config)
        if s.baseline:
            known = baseline.load(s.baseline)
            kept = [f for f in report.findings if not known.holds(f, s.place)]
            report.in_baseline = len(report.findings) - len(kept)
            report.findings = kept
        report.seconds = time.monotonic() - self.started
        report.sort()
        return report
