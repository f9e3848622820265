#!/usr/bin/env python3
"""Run pmlint over a whole kernel tree and report what happened.

Usage: python bench/whole_tree.py [TREE] [-j N]   (TREE default: /usr/src/linux-source-6.12)

Prints wall time, memory, the number of files and tables, findings per rule,
every PM000 with its reason, and the number of Python tracebacks on stderr
(the target is zero). The run is cold (--no-cache), so that it measures the
analysis, not the cache.

Memory is sampled from /proc while pmlint runs, separately for the main
process (which collects the results) and its workers (which parse), so that
runs over trees of different sizes show whether memory stays flat as the
tree grows: the main process's resident set at each quarter of the run, and
the peak of each side.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import threading
import time

SAMPLE_SECONDS = 0.25


def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # The command name may hold spaces: fields start after its ')'.
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared with other processes count as a share."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak resident set of the main process and of any worker, and main's over time;
    the peak over all processes at once, as resident sets summed (which counts a
    page shared by forked processes once for each) and as proportional sets."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.main_peak = self.worker_peak = self.sum_rss_peak = self.sum_pss_peak = 0
        self.main_over_time: list[tuple[float, int]] = []

    def run(self) -> None:
        start = time.monotonic()
        while not self.stop.wait(SAMPLE_SECONDS):
            main = _rss_kb(self.pid, "VmHWM")
            if main:
                self.main_peak = max(self.main_peak, main)
                self.main_over_time.append((time.monotonic() - start, _rss_kb(self.pid)))
            everyone = [self.pid, *_children(self.pid)]
            for child in everyone[1:]:
                self.worker_peak = max(self.worker_peak, _rss_kb(child, "VmHWM"))
            self.sum_rss_peak = max(self.sum_rss_peak, sum(_rss_kb(p) for p in everyone))
            self.sum_pss_peak = max(self.sum_pss_peak, sum(_pss_kb(p) for p in everyone))

    def quarters(self) -> list[int]:
        """Main's resident set (kB) at 25, 50, 75 and 100% of the run."""
        if not self.main_over_time:
            return []
        n = len(self.main_over_time)
        return [self.main_over_time[min(n - 1, n * q // 4)][1] for q in (1, 2, 3, 4)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?", default="/usr/src/linux-source-6.12")
    ap.add_argument("-j", "--jobs", default="0")
    args = ap.parse_args()
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "pmlint", "--format", "json", "--no-cache",
                             "-j", args.jobs, args.tree],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    sampler.stop.set()
    sampler.join()
    wall = time.monotonic() - start
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    try:   # a Python exception exits 1 too, with no report
        doc = json.loads(stdout) if proc.returncode in (0, 1) else None
    except json.JSONDecodeError:
        doc = None
    if doc is None:
        print(stderr[-5000:])
        print(f"pmlint exited {proc.returncode} without a report")
        return 1
    by_rule = collections.Counter(f["rule"] for f in doc["findings"])
    print(f"tree: {args.tree}")
    print(f"wall: {wall:.1f} s  peak RSS (largest process): {largest_mb:.0f} MB  "
          f"exit: {proc.returncode}")
    print(f"peak RSS: main process {sampler.main_peak / 1024:.0f} MB, "
          f"largest worker {sampler.worker_peak / 1024:.0f} MB")
    print(f"all processes at once, peak: RSS summed {sampler.sum_rss_peak / 1024:.0f} MB, "
          f"PSS summed {sampler.sum_pss_peak / 1024:.0f} MB")
    print("main process RSS at 25/50/75/100% of the run: "
          + " / ".join(f"{kb / 1024:.0f}" for kb in sampler.quarters()) + " MB")
    print(f"tables: {len(doc['tables'])}  errors: {len(doc['errors'])}  "
          f"tracebacks on stderr: {stderr.count('Traceback')}")
    print("findings: " + ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items())))
    for f in doc["findings"]:
        if f["rule"] == "PM000":
            print(f"  PM000 {f['path']}:{f['line']}: {f['message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
