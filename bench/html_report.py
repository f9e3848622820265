#!/usr/bin/env python3
"""How big the HTML report of a whole tree is, and how long Chromium takes to load it.

Usage: python bench/html_report.py [TREE] [--chromium PATH]
       (TREE default: /usr/src/linux-source-6.12; needs playwright and chromium)

Writes the report for TREE, then opens it in headless Chromium three times and
prints its size, the median time to the load event, and the median time to
apply a rule filter over every finding and table row.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?", default="/usr/src/linux-source-6.12")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out = os.path.join(tempfile.mkdtemp(), "report.html")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pmlint", "--html", out, "--format", "json",
                           args.tree], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        print(proc.stderr)
        return 1
    print(f"pmlint with --html: {time.monotonic() - start:.1f} s")
    print(f"report size: {os.path.getsize(out) / 1e6:.1f} MB")
    loads, filters = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for _ in range(3):
            page = browser.new_page()
            t0 = time.monotonic()
            page.goto("file://" + out, wait_until="load", timeout=600_000)
            loads.append(time.monotonic() - t0)
            rows = page.locator("tr.pmtable").count()
            findings = page.locator(".finding").count()
            # Timed inside the page: the filter runs synchronously in the change handler.
            filters.append(page.evaluate("""() => {
                const s = document.getElementById('f-rule');
                s.selectedIndex = 1;
                const t0 = performance.now();
                s.dispatchEvent(new Event('change'));
                return (performance.now() - t0) / 1000;
            }"""))
            page.close()
        browser.close()
    print(f"table rows: {rows}  findings: {findings}")
    print(f"chromium load (median of 3): {statistics.median(loads):.2f} s")
    print(f"filter by rule (median of 3): {statistics.median(filters) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
