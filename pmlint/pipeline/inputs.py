"""What the parser is told about one file besides its bytes, decided in one
place: the runner hands it to the parser, and the result cache keys on it.

- the run's options, less the other configurations when no selected rule
  compares them (PM204, PM205);
- with -p, the file's real flags from the compile database;
- when other configurations are parsed, the options the kernel tree never
  builds the file without, read from its Makefiles and Kconfig files
  (pmlint.kernel.buildneeds), in the result cache's key. What the analysis asks
  the tree itself (the options it varies both ways) is kept with the cached
  result and checked again before it is used (pmlint.pipeline.cache).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from pmlint.catalogue import Rule
from pmlint.rules.checks.registry import kinds
from pmlint.frontend import ParseOptions


def parsed_for(options: ParseOptions, rules: Iterable[Rule]) -> ParseOptions:
    """Other configurations are parsed only for the rules that compare them."""
    if any(kinds()[r.match["kind"]].configurations for r in rules):
        return options
    return dataclasses.replace(options, switch_off=())


def file_options(path: str, options: ParseOptions, build=None) -> ParseOptions:
    """The options one file is parsed with; build, a compdb.CompileDatabase,
    gives the files it lists their real flags."""
    if build is not None:
        options = build.options(path, options)
    if options.switch_off and not options.flags and path != "-":
        from pmlint.kernel.buildneeds import needs
        options = dataclasses.replace(options, needed=tuple(sorted(needs(path))))
    return options
