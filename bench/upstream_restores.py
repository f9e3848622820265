#!/usr/bin/env python3
"""Tables an older kernel left without a way back from hibernation that a
newer one gives one: upstream's own verdict on a table, to read for recall.

Usage: python bench/upstream_restores.py OLD.json NEW.json

Each file is `pmlint --no-cache --format json --exit-zero .` at the top of
a kernel tree (OLD the older one, say 6.1, NEW 6.12). A table is listed
when OLD's has a suspend side and nothing PMSG_RESTORE calls (no restore
member at any phase, no .complete) and NEW's table of the same file and
name has one; with what OLD's run reports on it at warning or error.
A listed table is not a defect by itself: many were converted to a newer
pm.h macro that sets the hibernation members too. Read each one.
"""
from __future__ import annotations

import argparse
import json
import sys

DOWN = {"suspend", "suspend_late", "suspend_noirq", "freeze", "freeze_late", "freeze_noirq",
        "poweroff", "poweroff_late", "poweroff_noirq"}
BACK = {"restore", "restore_early", "restore_noirq", "complete"}


def _tables(doc: dict) -> dict[tuple[str, str], tuple[int, set[str]]]:
    return {(t["path"], t["name"]): (t["line"], {m for m, fn in t["slots"].items() if fn})
            for t in doc["tables"]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    args = ap.parse_args()
    with open(args.old) as f:
        old = json.load(f)
    with open(args.new) as f:
        new = _tables(json.load(f))
    reported: dict[tuple[str, str], list[str]] = {}
    for x in old["findings"]:
        if x["severity"] in ("error", "warning"):
            reported.setdefault((x["path"], x["symbol"]), []).append(f"{x['rule']} {x['severity']}")
    for key, (line, members) in sorted(_tables(old).items()):
        if members & DOWN and not members & BACK and key in new and new[key][1] & BACK:
            says = ", ".join(reported.get(key, [])) or "not reported"
            print(f"{key[0]}:{line} {key[1]}: {' '.join(sorted(members))} -> "
                  f"{' '.join(sorted(new[key][1]))}: {says}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
