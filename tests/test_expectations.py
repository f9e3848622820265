"""The fixture expectation form itself: read strictly, written back in place."""
from __future__ import annotations

import pytest

from expectations import BadExpectation, Expect, expectations, lines_of, mismatch, rewrite

FOUND = Expect(3, "expect", "PM202", 26, "warning", "'a' is \"odd\" */ \\ here")
NOTE = Expect(2, "evidence", "PM101", 2, "", "a_freeze() calls free_irq(): the interrupt handler left down")


def test_a_message_with_quotes_backslashes_and_comment_ends_reads_back(tmp_path):
    path = tmp_path / "a.c"
    path.write_text("int x;\n\tfree_irq(1, d);\nstatic struct dev_pm_ops a = {\n};\n")
    path.write_text("".join(rewrite(lines_of(path.read_text()), [FOUND, NOTE])))
    assert "*/ \\\\ here" not in path.read_text() and expectations(path) == [NOTE, FOUND]


@pytest.mark.parametrize("comment", ["/* expect: PM202 */", "/* expect: PM202:26 */",
                                     '/* expect: PM202:26 warning \'unquoted\' */',
                                     '/* evidence: PM101 "no column" */', "/* expect PM202 */"])
def test_a_malformed_expectation_is_an_error_naming_the_line(tmp_path, comment):
    path = tmp_path / "a.c"
    path.write_text(f"int x;\nint y; {comment}\n")
    with pytest.raises(BadExpectation, match=r"a\.c:2: malformed expectation"):
        expectations(path)


def test_rewrite_keeps_the_alignment_and_the_other_comments():
    lines = ["static const struct dev_pm_ops t = {\t/* expect: PM302 */ /* expect: PM201 */ /* slots: a=b */\n",
             "\tfree_irq(1, d);\t\t/* evidence: PM101 */\n", "int z; \\\n"]
    new = rewrite(lines, [Expect(1, "expect", "PM302", 32, "warning", "m")])
    assert new == ['static const struct dev_pm_ops t = {\t/* expect: PM302:32 warning "m" */ /* slots: a=b */\n',
                   "\tfree_irq(1, d);\n", "int z; \\\n"]
    # A line without one gets it at its end, before a line continuation.
    assert rewrite(lines, [Expect(3, "evidence", "PM101", 1, "", "n")])[2] == 'int z; /* evidence: PM101:1 "n" */ \\\n'


def test_a_mismatch_names_the_line_and_gives_expected_and_actual(tmp_path):
    other = Expect(3, "expect", "PM202", 27, "warning", FOUND.message)
    text = mismatch(tmp_path / "a.c", [FOUND, NOTE], [other, NOTE])
    assert text.splitlines()[1:] == [f"  a.c:3: expected {FOUND.comment()}", f"  a.c:3: actual   {other.comment()}"]
    assert mismatch(tmp_path / "a.c", [FOUND, NOTE], [NOTE, FOUND]) == ""
    # Each expectation stands for exactly one finding.
    assert mismatch(tmp_path / "a.c", [FOUND], [FOUND, FOUND])
