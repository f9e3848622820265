"""Rewrite the fixtures' expectations from what pmlint reports now.

    python tests/update_expectations.py          # rewrite, then review `git diff`
    python tests/update_expectations.py --check  # only say what would change (exit 1 if anything)

It rewrites the `expect:` and `evidence:` comments of fixtures/*.c,
fixtures/flags/, fixtures/baseline/ and fixtures/modules/, the `fix:`
comments of fixtures/fix/
(in NAME.c and NAME.fixed.c alike) and tests/golden/fixtures.txt. A
deliberate change of a message or a column is then one command and a diff to
read: every line of it must be the change intended. See fixtures/README.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from expectations import FIXTURES, read_lines, read_text, rewrite, write_text  # noqa: E402
from fixture_results import (BASELINE_TREE, FIX_BEFORE, FLAGGED, GOLDEN, MODULES_TREE,  # noqa: E402
                             golden_text, of_baseline_tree, of_fix, of_fixed, of_fixture,
                             of_flagged, of_modules_tree, with_fix_comments)


def _updates():
    """(path, new text) of every file the script owns."""
    for path in sorted(FIXTURES.glob("*.c")):
        yield path, "".join(rewrite(read_lines(path), of_fixture(path)))
    for path in FLAGGED:
        yield path, "".join(rewrite(read_lines(path), of_flagged(path)))
    for rel, found in of_baseline_tree().items():
        path = BASELINE_TREE / rel
        yield path, "".join(rewrite(read_lines(path), found))
    for rel, found in of_modules_tree().items():
        path = MODULES_TREE / rel
        yield path, "".join(rewrite(read_lines(path), found))
    for path in FIX_BEFORE:
        lines = of_fix(path)
        for target in (path, of_fixed(path)):
            yield target, with_fix_comments(read_text(target), lines)
    yield GOLDEN, golden_text()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    changed = []
    seen = set()
    for path, text in _updates():
        if path in seen:
            continue
        seen.add(path)
        old = read_text(path) if path.exists() else None
        if old == text:
            continue
        changed.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text)
    for path in changed:
        print(f"{'would rewrite' if args.check else 'rewrote'} {path.relative_to(FIXTURES.parent)}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
