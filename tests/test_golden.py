"""One snapshot of the text output over all of fixtures/ (tests/golden/fixtures.txt):
every finding and note with its path, line, column, severity, message and rule, in
output order, and the summary line. A change of message, order or format shows
here as one diff; `python tests/update_expectations.py` refreshes it."""
from __future__ import annotations

import difflib

from expectations import read_text
from fixture_results import GOLDEN, golden_text


def test_text_output_over_the_fixtures_is_the_snapshot():
    want, got = read_text(GOLDEN), golden_text()
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        str(GOLDEN), "pmlint fixtures", n=1))
    assert got == want, f"{diff}\n(python tests/update_expectations.py refreshes the snapshot)"
