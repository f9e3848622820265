#!/usr/bin/env python3
"""The tables an older pmlint reported under one rule that no behaviour rule
reports now at warning or error: the findings to read for recall.

Usage: python bench/dropped.py OLD.json NOW.json [--rule PM103]

OLD.json is `pmlint --no-cache --format json --exit-zero --select RULE .`
of the older checkout at a tree's top, NOW.json the current default run
there. Prints one line per dropped table: path:line table: old message.
"""
from __future__ import annotations

import argparse
import json
import sys

from to_judge import BEHAVIOUR   # the behaviour rules (bench/ is on the path when run)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("now")
    ap.add_argument("--rule", default="PM103")
    args = ap.parse_args()
    with open(args.old) as f:
        old = [x for x in json.load(f)["findings"] if x["rule"] == args.rule]
    with open(args.now) as f:
        now = {(x["path"], x["symbol"]) for x in json.load(f)["findings"]
               if x["rule"] in BEHAVIOUR.split(",") and x["severity"] in ("error", "warning")}
    dropped = [x for x in old if (x["path"], x["symbol"]) not in now]
    for x in sorted(dropped, key=lambda x: (x["path"], x["line"])):
        print(f"{x['path']}:{x['line']} {x['symbol']}: {x['message']}")
    print(f"{len(old)} {args.rule} findings before, {len(dropped)} not reported now", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
