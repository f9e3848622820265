"""Command line: `pmlint [PATH...]`, `pmlint explain ID`, `pmlint show FILE`."""
from __future__ import annotations

import argparse
import os
import sys

from pmlint import __version__, baseline, catalogue, config
from pmlint.cli import kbuild
from pmlint.kernel import kversion
from pmlint.pipeline import compdb
from pmlint.config import Config
from pmlint.pipeline.discover import discover, files_under
from pmlint.formatters import FORMATS, render
from pmlint.filters import one_per_table, split_patterns, unknown_patterns
from pmlint.kernel.kconfig import KconfigError, read_dotconfig, resolve
from pmlint.fixes.run import FIXABLE
from pmlint.frontend import DEFAULT_CONFIG, ParseOptions
from pmlint.pipeline.optionscan import MAX_CONFIGURATIONS
from pmlint.pipeline.outfile import replace_atomically
from pmlint.pipeline.run import Run, Settings, rules_for
from pmlint.report import Report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2



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
    ap.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    ap.add_argument("--config", metavar="FILE",
                    help="configuration file (default: .pmlint.toml or [tool.pmlint] in "
                         "pyproject.toml, found by walking up from the first PATH)")
    ap.add_argument("--baseline", metavar="FILE", help="report only findings not in FILE")
    ap.add_argument("--write-baseline", metavar="FILE",
                    help="record the current findings in FILE and exit 0; their paths are "
                         "relative to the project root (the top of the git work tree, else the "
                         "configuration file's folder, else the current one), so any spelling "
                         "of a PATH matches them")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="no summary line (text format: files checked, tables, findings, "
                         "files not analysed, on stderr) and no notes about the options")
    ap.add_argument("--exit-zero", action="store_true",
                    help="exit 0 even when there are findings (errors still exit 2)")
    ap.add_argument("--html", metavar="FILE",
                    help="also write a self-contained HTML report to FILE")
    ap.add_argument("--terse", action="store_true",
                    help="checkpatch format: one line per finding, as checkpatch.pl --terse")
    ap.add_argument("--showfile", action="store_true",
                    help="checkpatch format: name the file, as checkpatch.pl --showfile")
    ap.add_argument("--select", action="append", metavar="IDS",
                    help="only these rules: comma-separated IDs or prefixes (PM1, PM101)")
    ap.add_argument("--ignore", action="append", metavar="IDS", help="skip these rules")
    ap.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    ap.add_argument("-j", "--jobs", type=int, default=0, help="worker processes (default: CPUs)")
    ap.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                    help="give up on a file after this long; it gets PM000 (default: 60)")
    ap.add_argument("--cache-dir", metavar="DIR",
                    help="keep per-file results here, so unchanged files are not parsed again "
                         "(default: $PMLINT_CACHE_DIR, else $XDG_CACHE_HOME/pmlint or "
                         "~/.cache/pmlint)")
    ap.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    # One mode at most: what a patch introduces, or the fixes as a diff or in place.
    patch = ap.add_mutually_exclusive_group()
    patch.add_argument("--patch", metavar="FILE",
                       help="report only what a patch introduces: a git format-patch file, an mbox "
                            "series or a unified diff ('-' reads stdin), applied in memory to --tree")
    patch.add_argument("--git", metavar="REV_RANGE", help=(
        "report only what the commits in REV_RANGE (or one commit) introduce, read from the git "
        "repository of --tree"))
    fixes = f"the mechanical fixes of the findings reported ({', '.join(FIXABLE)})"
    patch.add_argument("--diff", action="store_true",
                       help=f"print {fixes} as a unified diff for patch -p1 or git apply; nothing is "
                            "written")
    patch.add_argument("--fix", action="store_true",
                       help=f"make {fixes} in place (each file replaced atomically)")
    ap.add_argument("--tree", metavar="DIR", default=".",
                    help="for --patch and --git: the tree or repository (default: .)")
    ap.add_argument("-p", "--build-path", metavar="BUILD_DIR",
                    help="parse each file with its real flags and headers from "
                         "BUILD_DIR/compile_commands.json (or that file); files it does not list "
                         "are parsed without headers. With no PATH: every file it lists")
    _config_options(ap)
    return ap


class _Macro(argparse.Action):
    """-D and -U into one list, in the order given: cc applies them so."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, [*getattr(namespace, self.dest), (self.const, values)])


def _kernel_version(text: str):
    try:
        return kversion.parse(text)
    except kversion.VersionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _config_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--kernel-version", type=_kernel_version, metavar="X.Y[.Z] | A..B",
                    help="evaluate the files' version checks (LINUX_VERSION_CODE, "
                         "KERNEL_VERSION) against this kernel, and give PM201 advice only it "
                         f"has (default: {kversion.shown(kversion.NEWEST)}, the newest kernel "
                         "whose pm.h pmlint models); A..B analyses each file once per outcome "
                         "of its version checks in that range. Without headers only: with -p "
                         "the kernel's own version.h decides")
    ap.add_argument("--vary-options", dest="vary_options", action="store_true", default=None,
                    help="vary a driver's own options (the default; overrides vary-options = "
                         "false in the configuration file)")
    ap.add_argument("--no-vary-options", dest="vary_options", action="store_false", default=None,
                    help="analyse each file in the configuration given only (also "
                         "vary-options = false in the configuration file). By default a file "
                         "whose #ifs around PM code (tables, driver objects, callbacks) name its "
                         "own CONFIG_ options is analysed with each of them on and off, at most "
                         f"{MAX_CONFIGURATIONS} configurations per file (two options both ways; "
                         "PM001 names an #if past that), and a finding that holds under some of "
                         "them says which; options given with -D or -U, or by --kconfig, are not "
                         "varied. Without headers only")
    ap.add_argument("--kconfig", metavar="FILE",
                    help="take enabled CONFIG_ options from a kernel .config instead of the "
                         f"default ({', '.join(DEFAULT_CONFIG)})")
    ap.set_defaults(macros=[])
    ap.add_argument("-D", "--define", "--enable", action=_Macro, const="-D", dest="macros",
                    metavar="NAME[=VALUE]",
                    help="define a macro, as cc does (CONFIG_X for a Kconfig option, "
                         "FOO_PM for a driver's own flag)")
    ap.add_argument("-U", "--undefine", "--disable", action=_Macro, const="-U", dest="macros",
                    metavar="NAME",
                    help="undefine a macro, as cc does; -U CONFIG_X also switches off the "
                         "options that cannot be on without it (CONFIG_PM takes CONFIG_PM_SLEEP "
                         "and the rest of kernel/power/Kconfig's)")


def _parse_options(args, cfg: Config = Config()) -> ParseOptions:
    base = tuple(read_dotconfig(args.kconfig)) if args.kconfig else DEFAULT_CONFIG
    config, notes = resolve(base, args.macros)
    if not getattr(args, "quiet", False):
        for note in notes:
            print(f"pmlint: note: {note}", file=sys.stderr)
    first, last = args.kernel_version or cfg.kernel_version or (kversion.NEWEST, kversion.NEWEST)
    pinned = {text.partition("=")[0].partition("(")[0] for _, text in args.macros}
    return ParseOptions(config=config, kernel_version=first,
                        kernel_upto=last if last != first else None,
                        vary_options=_vary_options(args, cfg) and not args.kconfig,
                        pinned=tuple(sorted(pinned)))


def _vary_options(args, cfg: Config) -> bool:
    """--vary-options or --no-vary-options, else the configuration's vary-options, else on."""
    given = getattr(args, "vary_options", None)
    if given is None:
        given = cfg.vary_options
    return given is not False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and argv[0] == "explain":
            return _explain(argv[1:])
        if argv and argv[0] == "show":
            return _show(argv[1:])
        if kbuild.is_checker_call(argv):
            return kbuild.check(argv)
        return _lint(argv)
    except (KconfigError, config.ConfigError, baseline.BaselineError, compdb.CompdbError) as exc:
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
    for rule in catalogue.everything():
        if key.upper() == rule.id or key == rule.name:
            sys.stdout.write(rule.explain())
            return EXIT_CLEAN
    print(f"pmlint explain: error: no rule {key!r} (see pmlint --list-rules)", file=sys.stderr)
    return EXIT_ERROR


def _show(argv: list[str]) -> int:
    from pmlint.formatters import matrix
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
    run = Run(Settings(config=Config(), rules=(), options=_parse_options(args), jobs=1))
    for result in run.results(files):
        model = result.model
        for p in model.problems:
            print(f"{p.path}:{p.line}:{p.column}: error: could not analyse: {p.reason}",
                  file=sys.stderr)
            status = EXIT_ERROR
        if model.tables:
            sys.stdout.write(matrix.render([t for t in model.tables if t.defined]))
    return status


def _list_rules() -> int:
    for rule in catalogue.rules():
        severity = rule.severity + ("*" if rule.opt_in else "")
        print(f"{rule.id}  {rule.name:<36} {severity:<8} {rule.summary}")
    print("* opt-in: runs only when --select (or select in the configuration) names it")
    for rule in catalogue.everything():
        if rule.retired:
            print(f"{rule.id}  {rule.name:<36} retired  (pmlint explain {rule.id})")
    return EXIT_CLEAN


def _lint(argv: list[str]) -> int:
    ap = _lint_parser()
    args = ap.parse_args(argv)
    if args.list_rules:
        return _list_rules()
    settings, paths = _settings(ap, args)
    run = Run(settings)
    report = Report(format_options={"terse": args.terse, "showfile": args.showfile,
                                    "color": _interactive(sys.stdout)})
    if args.patch or args.git:
        from pmlint.patch.mode import fill_report
        fill_report(report, settings, patch=args.patch, git=args.git, tree=args.tree)
    else:
        _collect(run, paths, report)
    run.filter(report)
    if args.diff or args.fix:   # the fixes of the findings kept, and only those
        from pmlint.fixes.run import fix_findings
        return fix_findings(report, settings, write=args.fix)
    if args.write_baseline:
        baseline.write(args.write_baseline, report.findings, settings.place)
        print(f"pmlint: wrote {len(report.findings)} findings to {args.write_baseline}",
              file=sys.stderr)
        return EXIT_ERROR if report.errors else EXIT_CLEAN
    return _present(args, report, settings.rules)


def _settings(ap: argparse.ArgumentParser, args) -> tuple[Settings, list[str]]:
    """The run's settings from the command line and the project
    configuration, each checked once (a bad one is a usage error); and the
    paths to check."""
    select, ignore = split_patterns(args.select), split_patterns(args.ignore)
    cfg = _project_config(args)
    select = select or list(cfg.select)
    ignore = ignore + list(cfg.ignore)
    bad = unknown_patterns(select + ignore, catalogue.everything())
    if bad:
        ap.error(f"unknown rule ID or prefix: {', '.join(bad)} (see --list-rules)")
    if args.jobs < 0:
        ap.error("--jobs must be 0 (one per CPU) or more")
    if not args.timeout > 0:
        ap.error("--timeout must be more than 0 seconds")
    rules = rules_for(cfg, select, ignore)
    options = _parse_options(args, cfg)
    if args.kernel_version or cfg.kernel_version:   # advice only the oldest kernel can take
        rules = tuple(catalogue.for_kernel(rules, ".".join(map(str, options.kernel_version))))
        if not args.quiet:
            _note_withheld(rules, options.kernel_version)
    patch_mode = args.patch or args.git
    if patch_mode and args.paths:
        ap.error("--patch and --git check what the patch changes: give no PATH")
    if args.build_path and (patch_mode or args.diff or args.fix):
        ap.error("-p checks files: it does not go with --patch, --git, --diff or --fix")
    build = compdb.load(args.build_path) if args.build_path else None
    paths = [] if patch_mode else args.paths or (build.files() if build else ["."])
    place = None
    if args.baseline or args.write_baseline:
        place = _baseline_place(args, paths, cfg)
    from pmlint.pipeline.cache import default_dir
    return Settings(
        config=cfg, rules=rules, options=options, jobs=args.jobs, timeout=args.timeout,
        cache_dir=None if args.no_cache else args.cache_dir or default_dir(), build=build,
        # Only these outputs show source lines: kept for nothing else, the text of
        # every file with findings would make memory grow with the tree.
        keep_sources=args.format == "checkpatch" or bool(args.html),
        baseline=args.baseline, place=place), paths


def _collect(run: Run, paths: list[str], report: Report) -> None:
    """The files under the paths, analysed into the report while the tree is
    still walked (the first files are parsed before the walk ends)."""
    cfg, build = run.settings.config, run.settings.build
    problems: list = []
    files = (f for f in files_under(paths, problems) if not cfg.excluded(f))
    if build is not None:
        files = list(files)
        _note_unbuilt(build, files)
    progress = _interactive(sys.stderr)

    def tick(done: int) -> None:
        if progress and done % 25 == 0:
            print(f"\rpmlint: {report.files} files, {done} analysed", end="", file=sys.stderr,
                  flush=True)

    run.collect(_counted(files, report), report, tick)
    report.errors[:0] = [{"path": p.path, "message": p.reason} for p in problems]
    if progress:
        print("\r\033[K", end="", file=sys.stderr)


def _present(args, report: Report, rules) -> int:
    """Report the findings kept: one per table, in the format asked for."""
    report.findings = one_per_table(report.findings, rules)
    for e in report.errors:
        print(f"pmlint: error: {e['path']}: {e['message']}", file=sys.stderr)
    _emit(args.format, report)
    if args.format == "text" and not args.quiet:
        print(report.summary(), file=sys.stderr)
    if args.html and not _write_html(args.html, report):
        return EXIT_ERROR
    if report.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if report.findings and not args.exit_zero else EXIT_CLEAN


def _note_withheld(rules, kernel) -> None:
    """Say which advice the oldest kernel checked cannot take."""
    from pmlint.kernel import pmcore, pmhistory
    for rule in rules:
        held = [m for m, needs in rule.match.get("needs", {}).items() if pmhistory.missing(needs, kernel)]
        if held:
            print(f"pmlint: note: {rule.id} is not reported for {pmcore.listed(held)}: what replaces "
                  f"{'it' if len(held) == 1 else 'them'} is not in pm.h of {kversion.shown(kernel)}, "
                  "the oldest kernel checked", file=sys.stderr)


def _baseline_place(args, paths: list[str], cfg: Config) -> baseline.Place:
    """Baseline paths are relative to the project root, whatever the spelling of PATH."""
    if args.patch or args.git:   # the findings' paths are relative to --tree
        return baseline.Place(baseline.project_root(args.tree, cfg.source), args.tree)
    return baseline.Place(baseline.project_root(paths[0] if paths else ".", cfg.source))


def _counted(files, report: Report):
    """The files, counted into the report as they are handed on."""
    for file in files:
        report.files += 1
        yield file


def _note_unbuilt(build, files: list[str]) -> None:
    """Say which files get no real flags: their results are headerless ones."""
    unbuilt = [f for f in files if build.entry(f) is None]
    if unbuilt:
        print(f"pmlint: note: {len(unbuilt)} of {len(files)} files are not in {build.path} and "
              f"are parsed without headers (first: {unbuilt[0]})", file=sys.stderr)


def _interactive(stream) -> bool:
    """Colour and progress only for a person at a terminal, never in CI or hooks."""
    quiet = any(os.environ.get(v) for v in ("CI", "PRE_COMMIT", "NO_COLOR"))
    return not quiet and stream.isatty()


def _project_config(args) -> Config:
    path = args.config or config.find(args.paths or ["."])
    return config.load(path, catalogue.everything()) if path else Config()


def _write_html(path: str, report: Report) -> bool:
    """Write atomically: a failed run never leaves half a report over the old one."""
    from pmlint.formatters import html
    try:
        replace_atomically(path, _utf8(html.render(report)))
    except OSError as exc:
        print(f"pmlint: error: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return False
    return True


def _utf8(text: str) -> bytes:
    """Output is UTF-8 whatever the locale; bytes of a file name that are not show as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode("utf-8")


def _emit(fmt: str, report: Report) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(_utf8(render(fmt, report)))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
