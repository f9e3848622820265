#!/usr/bin/env python3
"""Time pmlint against grep and Coccinelle on a kernel tree, in one run.

Usage: python bench/speed.py [TREE] [--runs N] [--slow-runs N] [--spatch-runs N] [--no-spatch]

TREE defaults to /usr/src/linux-source-6.12 (the Debian package, unpacked),
else /work/kernel/linux-source-6.12. Every figure is the median of several
runs (--runs; --slow-runs for a cold pmlint over the whole tree or drivers/,
--spatch-runs for spatch over them, which takes tens of seconds a run).

Scenarios: (a) the whole tree, (b) drivers/, (c) one driver patch in patch
mode (a synthetic one-line change to --driver), (d) a pre-commit run on that
driver file. Peers: `grep -rlE` with pmlint's own pre-filter over the .c files
(and over .c and .h, the files pmlint reads), and the table finder
bench/pm_tables.cocci with `spatch -j 2`. pmlint runs with its cache cold (an
empty --cache-dir per run) and warm (filled by a previous run); the page
cache is warmed first by a grep over everything. Then scaling: 1 and 2 jobs,
and drivers/net, drivers/ and the whole tree. A cold run with the parser
stubbed out (an empty model at once) shows what is left when parsing costs
nothing: the floor of any faster parser.

Columns: wall and CPU (user+system of every process) as medians; peak RSS of
the largest process and of all processes together, sampled from /proc every
20 ms for the first 2 s and every 200 ms after (a shorter peak can be missed).
"""
from __future__ import annotations

import argparse
import compileall
import difflib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import pmlint  # noqa: E402
from pmlint.pipeline.runner import PREFILTER  # noqa: E402  (the same words grep looks for)

PATTERN = "|".join(w.decode() for w in PREFILTER)
PMLINT = [sys.executable, "-m", "pmlint", "--format", "json", "--exit-zero"]
# pmlint with a parser that returns an empty model at once: the rest of a
# cold run (walk, read, pre-filter, cache, processes, output), which no
# faster parser can save.
NO_PARSER = [sys.executable, "-c",
             "import sys; import pmlint.frontend as p; from pmlint.model import FileModel; "
             "p.parse_source = lambda path, source, options=None: FileModel(path); "
             "from pmlint.cli.main import main; sys.exit(main(sys.argv[1:]))",
             "--format", "json", "--exit-zero"]


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """Resident set (KB) of the largest process under root and of them all, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * page_kb
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(rss.get(pid, 0))
        todo += children.get(pid, [])
    return max(found), sum(found)


def measure(cmd: list[str], stdin: bytes | None = None, env: dict | None = None) -> dict:
    """One run, in a fresh helper process so that its RSS accounting is this run's alone."""
    helper = subprocess.run([sys.executable, __file__, "--measure", json.dumps(cmd)],
                            input=stdin, capture_output=True, env=env)
    if helper.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{helper.stderr.decode()[-2000:]}")
    return json.loads(helper.stdout.decode().splitlines()[-1])


def _measure_here(cmd: list[str]) -> None:
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, peak_sum = 0, 0
    while proc.poll() is None:
        largest, total = _tree_rss_kb(proc.pid)
        peak, peak_sum = max(peak, largest), max(peak_sum, total)
        # Often at first, to see short runs; then rarely, not to steal a CPU.
        time.sleep(0.02 if time.monotonic() - start < 2 else 0.2)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode not in (0, 1):   # grep: 1 is "no match"
        sys.exit(f"exit {proc.returncode}: {err[-2000:]}")
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": peak,
                      "rss_sum": peak_sum}))


class Bench:
    def __init__(self, runs: int):
        self.runs = runs

    def time(self, cmd: list[str], runs: int = 0, before=None, env=None) -> dict:
        """Median of several runs; before() runs ahead of each (e.g. to empty a cache)."""
        got = []
        for _ in range(runs or self.runs):
            if before:
                before()
            got.append(measure(cmd, env=env))
        row = {k: statistics.median(r[k] for r in got) for k in got[0]}
        row["runs"] = len(got)
        return row


def print_table(title: str, rows: list[tuple[str, dict]], grep: dict | None, spatch: dict | None):
    print(f"\n{title}")
    print(f"  {'':44} {'runs':>4} {'wall':>8} {'CPU':>8} {'RSS max':>8} {'RSS sum':>8}"
          f" {'/grep':>7} {'spatch/':>8}")
    for label, r in rows:
        vs_grep = f"{r['wall'] / grep['wall']:.2f}x" if grep else ""
        vs_spatch = f"{spatch['wall'] / r['wall']:.2f}x" if spatch else ""
        print(f"  {label:44} {r['runs']:>4} {r['wall']:>7.2f}s {r['cpu']:>7.2f}s"
              f" {r['rss'] / 1024:>6.0f}MB {r['rss_sum'] / 1024:>6.0f}MB {vs_grep:>7} {vs_spatch:>8}")
    print("  /grep: wall over grep (.c) wall; spatch/: spatch wall over this wall (how much faster)")


def grep_cmd(path: str, headers: bool = False) -> list[str]:
    includes = ["--include=*.c"] + (["--include=*.h"] if headers else [])
    return ["grep", "-rlE", PATTERN, *includes, path]


def spatch_cmd(path: str) -> list[str]:
    where = ["--dir", path] if os.path.isdir(path) else [path]
    return ["spatch", "--sp-file", os.path.join(HERE, "pm_tables.cocci"), *where,
            "-j", "2", "--very-quiet"]


def one_line_patch(tree: str, rel: str) -> bytes:
    """A diff that adds a comment line after the file's first PM table line."""
    with open(os.path.join(tree, rel), encoding="utf-8", errors="surrogateescape") as f:
        old = f.readlines()
    at = next((i for i, line in enumerate(old) if "PM_OPS" in line or "dev_pm_ops" in line), 0)
    new = old[:at] + ["/* pmlint bench: a one-line change */\n"] + old[at:]
    diff = difflib.unified_diff(old, new, f"a/{rel}", f"b/{rel}")
    return "".join(diff).encode("utf-8", "surrogateescape")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        _measure_here(json.loads(sys.argv[2]))
        return 0
    default_tree = next((t for t in ("/usr/src/linux-source-6.12", "/work/kernel/linux-source-6.12")
                         if os.path.isdir(t)), "/usr/src/linux-source-6.12")
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?", default=default_tree)
    ap.add_argument("--runs", type=int, default=5, help="runs of each fast measurement (default 5)")
    ap.add_argument("--slow-runs", type=int, default=3,
                    help="runs of a cold pmlint over the whole tree or drivers/ (default 3)")
    ap.add_argument("--spatch-runs", type=int, default=2,
                    help="runs of spatch over the whole tree or drivers/ (default 2)")
    ap.add_argument("--no-spatch", action="store_true", help="skip Coccinelle")
    ap.add_argument("--only", default="a,b,c,d,scaling", metavar="PARTS",
                    help="comma-separated parts to run: a, b, c, d, scaling (default: all)")
    ap.add_argument("--driver", default="drivers/input/keyboard/gpio_keys.c",
                    help="the driver of scenarios (c) and (d), relative to TREE")
    args = ap.parse_args()
    tree = os.path.abspath(args.tree)
    parts = set(args.only.split(","))
    use_spatch = not args.no_spatch and shutil.which("spatch") is not None
    bench = Bench(args.runs)
    work = tempfile.mkdtemp(prefix="pmlint-speed-")
    cache, stub_cache = os.path.join(work, "cache"), os.path.join(work, "stub-cache")
    empty_cache = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
    env = dict(os.environ, PRE_COMMIT="1")   # no progress line, as in a hook

    print(f"tree: {tree}  CPUs: {os.cpu_count()}  load average: {os.getloadavg()[0]:.1f}"
          f"  pre-filter: {PATTERN}")
    # As pip installs it: an editable checkout under PYTHONDONTWRITEBYTECODE
    # would compile every module again in every run (0.1-0.15 s a run).
    compileall.compile_dir(os.path.dirname(pmlint.__file__), quiet=1)
    print(f"pmlint: {os.path.dirname(pmlint.__file__)}, byte-compiled as an installed package is")
    subprocess.run(grep_cmd(tree, headers=True), stdout=subprocess.DEVNULL)  # warm the page cache
    drivers, net = os.path.join(tree, "drivers"), os.path.join(tree, "drivers", "net")
    cold_cmd = lambda path, *opts: PMLINT + ["--cache-dir", cache, *opts, path]  # noqa: E731
    try:
        cold = {}
        for part, title, path in (("a", "(a) whole tree", tree), ("b", "(b) drivers/", drivers)):
            if part not in parts:
                continue
            grep = bench.time(grep_cmd(path))
            rows = [("grep -rlE (*.c)", grep),
                    ("grep -rlE (*.c, *.h: the files pmlint reads)",
                     bench.time(grep_cmd(path, headers=True)))]
            spatch = None
            if use_spatch:
                spatch = bench.time(spatch_cmd(path), runs=args.spatch_runs)
                rows.append(("spatch -j 2 pm_tables.cocci", spatch))
            cold[path] = bench.time(cold_cmd(path), runs=args.slow_runs, before=empty_cache)
            rows.append(("pmlint, cold cache", cold[path]))
            rows.append(("pmlint, warm cache", bench.time(cold_cmd(path))))
            # A cache of its own: the empty models it stores would be hits for pmlint.
            rows.append(("pmlint, cold cache, parser stubbed out",
                         bench.time(NO_PARSER + ["--cache-dir", stub_cache, path], runs=args.slow_runs,
                                    before=lambda: shutil.rmtree(stub_cache, ignore_errors=True))))
            print_table(title, rows, grep, spatch)

        driver = os.path.join(tree, args.driver)
        patch = os.path.join(work, "one-line.patch")
        with open(patch, "wb") as f:
            f.write(one_line_patch(tree, args.driver))
        if parts & {"c", "d"}:
            grep = bench.time(grep_cmd(driver))
            spatch = bench.time(spatch_cmd(driver)) if use_spatch else None
            peers = [("grep -lE (the file)", grep)] + ([("spatch (the file)", spatch)] if spatch else [])
        if "c" in parts:
            print_table(f"(c) patch mode: one line added to {args.driver}", peers + [
                ("pmlint --patch", bench.time(PMLINT + ["--patch", patch, "--tree", tree], env=env))],
                grep, spatch)
        if "d" in parts:
            print_table(f"(d) pre-commit on {args.driver}", peers + [
                ("pmlint FILE, cold cache", bench.time(cold_cmd(driver), before=empty_cache, env=env)),
                ("pmlint FILE, warm cache", bench.time(cold_cmd(driver), env=env))], grep, spatch)

        if "scaling" in parts:
            jobs = {j: bench.time(cold_cmd(net, "-j", str(j)), runs=args.slow_runs, before=empty_cache)
                    for j in (1, 2)}
            print_table("scaling: jobs (pmlint drivers/net, cold cache)",
                        [(f"-j {j}", r) for j, r in jobs.items()], None, None)
            print(f"  speed-up from 1 to 2 jobs: {jobs[1]['wall'] / jobs[2]['wall']:.2f}x")
            print("\nscaling: tree size (pmlint, cold cache, 2 jobs)")
            for label, path, r in (("drivers/net", net, jobs[2]), ("drivers/", drivers, cold.get(drivers)),
                                   ("whole tree", tree, cold.get(tree))):
                if r is None:   # its part was not run
                    continue
                files = sum(n.endswith((".c", ".h")) for _, _, names in os.walk(path) for n in names)
                print(f"  {label:12} {files:>6} files {r['wall']:>8.2f}s wall {r['cpu']:>8.2f}s CPU"
                      f"  {1000 * r['cpu'] / files:.2f} ms CPU/file")
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other work on the machine "
              "inflates wall times)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
