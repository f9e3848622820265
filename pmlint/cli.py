"""Command line: `pmlint [PATH...]`, `pmlint explain ID`, `pmlint show FILE`."""
from __future__ import annotations

import argparse
import os
import sys
import time

from pmlint import __version__, catalogue
from pmlint.discover import discover
from pmlint.engine import evaluate
from pmlint.filters import selected_rules, split_patterns, unknown_patterns
from pmlint.kconfig import KconfigError, read_dotconfig, resolve
from pmlint.parse import DEFAULT_CONFIG, ParseOptions
from pmlint.report import Report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

FORMATS = ("text", "json")


def _lint_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="pmlint",
        description="Check the power-management callback tables (struct dev_pm_ops) of Linux "
                    "driver sources against what the PM core calls on suspend, hibernation "
                    "and Xen save/restore.",
        epilog="Other commands: 'pmlint explain RULE' prints a rule's documentation; "
               "'pmlint show FILE...' prints each table as a save/restore matrix. "
               "Exit status: 0 no findings, 1 findings, 2 usage or internal error.")
    ap.add_argument("paths", nargs="*", metavar="PATH",
                    help="C files or directories (searched for .c and .h); '-' reads stdin")
    ap.add_argument("--version", action="version", version=f"pmlint {__version__}")
    ap.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    ap.add_argument("--select", action="append", metavar="IDS",
                    help="only these rules: comma-separated IDs or prefixes (PM1, PM101)")
    ap.add_argument("--ignore", action="append", metavar="IDS", help="skip these rules")
    ap.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    ap.add_argument("-j", "--jobs", type=int, default=0, help="worker processes (default: CPUs)")
    _config_options(ap)
    return ap


def _config_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--kconfig", metavar="FILE",
                    help="take enabled CONFIG_ options from a kernel .config instead of the "
                         f"default ({', '.join(DEFAULT_CONFIG)})")
    ap.add_argument("-D", "--enable", action="append", default=[], metavar="CONFIG_X",
                    help="treat CONFIG_X as enabled (=y)")
    ap.add_argument("-U", "--disable", action="append", default=[], metavar="CONFIG_X",
                    help="treat CONFIG_X as disabled")


def _parse_options(args) -> ParseOptions:
    base = tuple(read_dotconfig(args.kconfig)) if args.kconfig else DEFAULT_CONFIG
    return ParseOptions(config=resolve(base, args.enable, args.disable))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and argv[0] == "explain":
            return _explain(argv[1:])
        if argv and argv[0] == "show":
            return _show(argv[1:])
        return _lint(argv)
    except KconfigError as exc:
        print(f"pmlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except catalogue.CatalogueError as exc:
        print(f"pmlint: error: rule catalogue: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("pmlint: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR


def _explain(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="pmlint explain", description="print a rule's documentation")
    ap.add_argument("rule", help="rule ID (PM101) or name (freeze-without-thaw)")
    args = ap.parse_args(argv)
    key = args.rule.strip()
    for rule in catalogue.rules():
        if key.upper() == rule.id or key == rule.name:
            sys.stdout.write(rule.explain())
            return EXIT_CLEAN
    print(f"pmlint explain: error: no rule {key!r} (see pmlint --list-rules)", file=sys.stderr)
    return EXIT_ERROR


def _show(argv: list[str]) -> int:
    from pmlint.formatters import matrix
    from pmlint.runner import analyse
    ap = argparse.ArgumentParser(prog="pmlint show",
                                 description="print each PM table as a save/restore matrix")
    ap.add_argument("paths", nargs="+", metavar="PATH")
    _config_options(ap)
    args = ap.parse_args(argv)
    files, problems = discover(args.paths)
    status = EXIT_CLEAN
    for p in problems:
        print(f"pmlint: error: {p.path}: {p.reason}", file=sys.stderr)
        status = EXIT_ERROR
    for model in analyse(files, _parse_options(args), jobs=1):
        for p in model.problems:
            print(f"{p.path}:{p.line}:{p.column}: error: could not analyse: {p.reason}",
                  file=sys.stderr)
            status = EXIT_ERROR
        if model.tables:
            sys.stdout.write(matrix.render([t for t in model.tables if t.defined]))
    return status


def _list_rules() -> int:
    for rule in catalogue.rules():
        print(f"{rule.id}  {rule.name:<36} {rule.severity:<8} {rule.summary}")
    return EXIT_CLEAN


def _lint(argv: list[str]) -> int:
    from pmlint.runner import analyse
    ap = _lint_parser()
    args = ap.parse_args(argv)
    if args.list_rules:
        return _list_rules()
    select, ignore = split_patterns(args.select), split_patterns(args.ignore)
    bad = unknown_patterns(select + ignore, catalogue.rules())
    if bad:
        ap.error(f"unknown rule ID or prefix: {', '.join(bad)} (see --list-rules)")
    if args.jobs < 0:
        ap.error("--jobs must be 0 (one per CPU) or more")
    rules = selected_rules(catalogue.rules(), select, ignore)
    options = _parse_options(args)

    start = time.monotonic()
    files, problems = discover(args.paths or ["."])
    report = Report(files=len(files))
    report.errors += [{"path": p.path, "message": p.reason} for p in problems]
    for model in analyse(files, options, args.jobs):
        report.findings += evaluate(model, rules)
        report.tables += model.tables
    report.seconds = time.monotonic() - start
    report.sort()

    for e in report.errors:
        print(f"pmlint: error: {e['path']}: {e['message']}", file=sys.stderr)
    _emit(args.format, report)
    if report.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if report.findings else EXIT_CLEAN


def _emit(fmt: str, report: Report) -> None:
    from pmlint.formatters import jsonout, text
    render = {"text": text.render, "json": jsonout.render}[fmt]
    sys.stdout.write(render(report))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
