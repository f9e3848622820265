"""What pmlint actually reports on each fixture, in the form of its
expectations: the one place the fixture tests and tests/update_expectations.py
get it from, so that what the script writes is what the tests compare."""
from __future__ import annotations

import re
import shlex
import shutil
import tempfile
from pathlib import Path

from expectations import FIX_NOTE, FIXTURES, Expect, fix_comment, lines_of
from lintrun import lint, pmlint
from pmlint import catalogue
from pmlint.engine import evaluate
from pmlint.frontend import ParseOptions
from pmlint.pipeline.runner import analyse_file

FLAGGED = sorted((FIXTURES / "flags").glob("*.c"))
BASELINE_TREE = FIXTURES / "baseline"
BASELINE_FILES = sorted(p.relative_to(BASELINE_TREE).as_posix() for p in BASELINE_TREE.rglob("*.c"))
FIX = FIXTURES / "fix"
FIX_BEFORE = sorted(p for p in FIX.glob("*.c") if not p.name.endswith(".fixed.c"))
_FLAGS = re.compile(r"/\*\s*flags:\s*(.*?)\s*\*/")


def _record(path: str, line: int, rule: str, column: int, severity: str, message: str,
            notes) -> list[Expect]:
    out = [Expect(line, "expect", rule, column, severity, message)]
    for n_path, n_line, n_column, n_message in notes:
        # A note in another file could not be pinned in this one.
        assert n_path == path, f"{path}:{line}: {rule} has a note in {n_path}"
        out.append(Expect(n_line, "evidence", rule, n_column, "", n_message))
    return out


def analysed(path: Path):
    """The model with the bodies the rules read (as the engine gets it)."""
    return analyse_file(str(path), ParseOptions(), catalogue.rules()).model


def of_fixture(path: Path) -> list[Expect]:
    """A fixtures/*.c file's findings and notes: every rule, no filter, each
    setting of the file's own options merged as a run merges them."""
    result = analyse_file(str(path), ParseOptions(), catalogue.rules())
    assert not result.failures, result.failures
    return sorted(e for f in result.findings
                  for e in _record(f.path, f.line, f.rule, f.column, f.severity, f.message,
                                   [(n.path, n.line, n.column, n.message) for n in f.notes]))


def of_json(doc: dict) -> dict[str, list[Expect]]:
    """--format json's findings by path."""
    out: dict[str, list[Expect]] = {}
    for f in doc["findings"]:
        notes = [(n["path"], n["line"], n["column"], n["message"]) for n in f.get("notes", ())]
        out.setdefault(f["path"], []).extend(
            _record(f["path"], f["line"], f["rule"], f["column"], f["severity"], f["message"], notes))
    return {path: sorted(found) for path, found in out.items()}


def flags_of(path: Path) -> list[str]:
    return shlex.split(_FLAGS.search(path.read_text()).group(1))


def flagged_json(path: Path, *flags: str) -> dict:
    run = lint(None, "--no-cache", "--quiet", "--format", "json", *flags, path)
    assert run.code in (0, 1), run.stderr
    return run.doc


def of_flagged(path: Path) -> list[Expect]:
    """A fixtures/flags/ file's findings under the flags its first line names."""
    return of_json(flagged_json(path, *flags_of(path))).get(str(path), [])


def of_baseline_tree() -> dict[str, list[Expect]]:
    """fixtures/baseline/'s files, by path relative to that tree, run from its top."""
    run = lint(BASELINE_TREE, "--no-cache", "--quiet", "--format", "json", *BASELINE_FILES)
    assert run.code in (0, 1), run.stderr
    found = of_json(run.doc)
    return {path: found.get(path, []) for path in BASELINE_FILES}


MODULES_TREE = FIXTURES / "modules"
MODULES_FILES = sorted(p.relative_to(MODULES_TREE).as_posix() for p in MODULES_TREE.rglob("*.c"))


def of_modules_tree() -> dict[str, list[Expect]]:
    """fixtures/modules/'s files, by path relative to that tree, run from its
    top: a finding's notes may be in the other files of its module, each
    pinned in the file it points into."""
    run = lint(MODULES_TREE, "--no-cache", "--quiet", "--format", "json", *MODULES_FILES)
    assert run.code in (0, 1), run.stderr
    out: dict[str, list[Expect]] = {path: [] for path in MODULES_FILES}
    for f in run.doc["findings"]:
        out[f["path"]].append(Expect(f["line"], "expect", f["rule"], f["column"], f["severity"], f["message"]))
        for n in f.get("notes", ()):
            out[n["path"]].append(Expect(n["line"], "evidence", f["rule"], n["column"], "", n["message"]))
    return {path: sorted(found) for path, found in out.items()}


# --fix's stderr, one line a kept note: "pmlint: KIND: FILE: TEXT" or "pmlint: fixed FILE: TEXT".
_FIX_LINE = re.compile(r"pmlint: (?:(note|warning|error): (.+?)|(fixed) (.+?)): (.*)")


def fix_lines(stderr: str, name: str) -> list[tuple[str, str]]:
    """(kind, text) of each line --fix printed about the file `name`; any other line is an error."""
    out = []
    for line in stderr.splitlines():
        m = _FIX_LINE.fullmatch(line)
        assert m and name in (m.group(2), m.group(4)), f"unexpected --fix output: {line}"
        out.append((m.group(1) or m.group(3), m.group(5)))
    return sorted(out)


def run_fix(path: Path, where: Path):
    """`pmlint --fix` on a copy of `path` in the folder `where`."""
    (where / path.name).write_bytes(path.read_bytes())
    return pmlint("--fix", path.name, cwd=where, text=False)


def of_fix(path: Path) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as where:
        out = run_fix(path, Path(where))
    return fix_lines(out.stderr.decode(), path.name)


def with_fix_comments(source: str, lines: list[tuple[str, str]]) -> str:
    """`source` with its fix comments replaced by `lines`', at its end (where no fix edits)."""
    body = "".join(line for line in lines_of(source) if not FIX_NOTE.fullmatch(line.strip()))
    return body + "".join(fix_comment(kind, text) + "\n" for kind, text in lines)


GOLDEN = Path(__file__).resolve().parent / "golden" / "fixtures.txt"


def golden_text() -> str:
    """`pmlint fixtures` over a copy of fixtures/ (a neutral folder: the package
    under test is the installed one, see lintrun): the text output with relative
    paths, then the summary line (stderr's other lines are libclang's own)."""
    with tempfile.TemporaryDirectory() as where:
        shutil.copytree(FIXTURES, Path(where) / "fixtures", symlinks=True)
        out = pmlint("--no-cache", "fixtures", cwd=where)
    assert out.returncode == 1, out.stderr
    summary = [line for line in out.stderr.splitlines() if line.startswith("pmlint: ")]
    return out.stdout + "".join(line + "\n" for line in summary)


def of_fixed(path: Path) -> Path:
    """The file --fix must turn `path` into: NAME.fixed.c, or `path` itself (left as it is)."""
    after = path.with_name(path.stem + ".fixed.c")
    return after if after.exists() else path
