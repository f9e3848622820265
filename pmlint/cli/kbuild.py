"""pmlint as kbuild's source checker: `make C=1 CHECK=pmlint` (C=2: every file).

For each C file it compiles, kbuild runs `$(CHECK) $(CHECKFLAGS) $(c_flags)
file.c` (scripts/Makefile.build): sparse's flags (-D__linux__ ... -Wbitwise
--arch=x86 -m64), the compiler's flags, then the file. Like sparse, pmlint
then parses the file with those flags, ignores the flags it does not need,
prints its findings to stderr in gcc's format, and exits 0 so that the build
goes on; `CF=-Wpmlint-error` makes findings fail the build (sparse:
-Wsparse-error). Nothing is cached: kbuild checks a file only when it
rebuilds it.
"""
from __future__ import annotations

import os
import re
import sys

from pmlint import catalogue, config
from pmlint.pipeline.buildflags import reduce
from pmlint.filters import one_per_table
from pmlint.formatters import render
from pmlint.frontend import ParseOptions
from pmlint.pipeline.run import Run, Settings, rules_for
from pmlint.report import Report

WERROR = "-Wpmlint-error"
# Options every compiler command line has and pmlint's own command line does
# not: seeing one, the arguments are a checker call. The normal command line
# would reject them, so none of its uses changes meaning.
_COMPILER_OPTION = re.compile(
    r"-(?:I|W|f|m|O|g|std=|nostdinc|include|isystem|iquote|idirafter|imacros)|--arch=")


def is_checker_call(argv: list[str]) -> bool:
    return any(_COMPILER_OPTION.match(a) for a in argv)


def check(argv: list[str]) -> int:
    command = reduce(argv)
    if not command.inputs:
        print("pmlint: error: compiler options given (kbuild's CHECK=pmlint) but no source file",
              file=sys.stderr)
        return 2
    found = config.find(list(command.inputs))
    cfg = config.load(found, catalogue.everything()) if found else config.Config()
    files = [f for f in command.inputs if not cfg.excluded(f)]
    rules = rules_for(cfg, cfg.select, cfg.ignore)
    run = Run(Settings(config=cfg, rules=rules, jobs=1,
                       options=ParseOptions(flags=command.flags, directory=os.getcwd())))
    report = run.filter(run.collect(files, Report(files=len(files))))
    for e in report.errors:   # pmlint's bug: said, and the build goes on
        print(f"pmlint: error: {e['path']}: {e['message']}", file=sys.stderr)
    report.findings = one_per_table(report.findings, rules)
    sys.stderr.write(render("text", report))
    return 1 if WERROR in argv and report.findings else 0
