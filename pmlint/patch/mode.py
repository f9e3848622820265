"""Patch mode: report only what a patch, a series or a range of commits introduces.

A series is replayed in memory over the files of a tree (nothing is written);
git mode reads each commit and its parent with `git show`. Either way every
touched C file gets a history: its content before the first change and after
each one. A finding of the final content is new when the content before had no
finding with the same fingerprint; its origin is the change after which it
appeared. All contents are analysed under the file's final path, so that a
rename does not make every finding look new.

Text is decoded with surrogateescape so that bytes that are not UTF-8 survive
the round trip to the parser unchanged.
"""
from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from unidiff import PatchSet, UnidiffParseError
from unidiff.constants import LINE_TYPE_ADDED, LINE_TYPE_CONTEXT, LINE_TYPE_REMOVED

from pmlint.pipeline.discover import SOURCE_SUFFIXES
from pmlint.model import FileModel, Finding, PmTable
from pmlint.kernel.pmcore import listed
from pmlint.report import Report
from pmlint.pipeline.runner import analyse_sources
from pmlint.pipeline.sourcefile import read_source
from pmlint.pipeline.run import Settings
from pmlint.pipeline.workers import DEFAULT_TIMEOUT


class PatchError(Exception):
    """A patch that cannot be read or applied, or a git range that cannot be read."""


@dataclass(frozen=True)
class Patch:
    subject: str      # e.g. "[PATCH 2/3] foo: bar"; "" for a plain diff
    files: PatchSet


@dataclass(frozen=True)
class Change:
    """One file as one patch or commit changed it; None: the file does not exist."""

    origin: str
    old: str | None       # path before (None: created)
    new: str | None       # path after (None: deleted)
    before: str | None
    after: str | None


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    tables: list[PmTable] = field(default_factory=list)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: int = 0
    not_analysed: int = 0   # final files with a PM000
    errors: list[dict] = field(default_factory=list)   # rules that failed on a version of a file


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


# The mbox separator git format-patch writes: "From <sha> Mon Sep 17 00:00:00 2001".
_FROM_LINE = re.compile(
    rb"^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4}\r?$", re.M)


def parse_series(data: bytes) -> list[Patch]:
    """Split a format-patch file, an mbox series or a plain diff into patches."""
    cuts = [m.start() for m in _FROM_LINE.finditer(data)][1:]
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
    patches = []
    for n, chunk in enumerate(chunks, 1):
        subject, body = _message(chunk)
        name = subject or f"patch {n}"
        try:
            files = PatchSet(_text(body))
        except UnidiffParseError as exc:
            raise PatchError(f"malformed patch: {name}: {str(exc).strip()}") from None
        for pf in files:
            # unidiff passes over a hunk header it cannot read; only a git header
            # (a rename, a mode change) may stand without hunks.
            if not len(pf) and (pf.patch_info is None
                                or any(line.startswith("@@") for line in pf.patch_info)):
                raise PatchError(f"malformed patch: {name}: {pf.path}: no hunk it can read")
        if files:  # a cover letter has none
            patches.append(Patch(subject, files))
    if not patches:
        raise PatchError("malformed patch: no diff found")
    return patches


def _message(chunk: bytes) -> tuple[str, bytes]:
    """Subject and decoded body of a mail; ("", chunk) for a plain diff."""
    msg = email.message_from_bytes(chunk, policy=email.policy.default)
    if msg["subject"] is None:
        return "", chunk
    # get_payload(decode=True) undoes quoted-printable and base64 transfer encodings.
    parts = [p.get_payload(decode=True) or b"" for p in msg.walk() if not p.is_multipart()]
    return str(msg["subject"]), b"".join(parts)


def tree_path(raw: str) -> str | None:
    """The tree-relative path of a diff header (-p1); None for /dev/null."""
    if raw == "/dev/null":
        return None
    if raw.startswith("/"):
        raise PatchError(f"refusing absolute path in patch: {raw}")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    parts = parts[1:] if len(parts) > 1 else parts
    if not parts or ".." in parts:
        raise PatchError(f"refusing path outside the tree in patch: {raw}")
    return "/".join(parts)


# The sides of a hunk a line belongs to: 0 what the file has, 1 what it gets.
_SIDES = {LINE_TYPE_CONTEXT: (0, 1), LINE_TYPE_REMOVED: (0,), LINE_TYPE_ADDED: (1,)}


def _sides(hunk) -> tuple[list[str], list[str]]:
    """The lines a hunk expects and the lines it leaves in their place."""
    sides: tuple[list[str], list[str]] = ([], [])
    last: tuple[int, ...] = ()
    for line in hunk:
        which = _SIDES.get(line.line_type)
        if which is None:  # "\ No newline at end of file" qualifies the line before
            for i in last:
                sides[i][-1] = sides[i][-1].removesuffix("\n")
            continue
        for i in which:
            sides[i].append(line.value)
        last = which
    return sides


def _locate(lines: list[str], old: list[str], expected: int, floor: int) -> int | None:
    """Where `old` occurs, searching outwards from `expected` as `git apply` does."""
    last = len(lines) - len(old)
    for distance in range(max(expected - floor, last - expected, 0) + 1):
        for at in (expected - distance, expected + distance):
            if floor <= at <= last and lines[at:at + len(old)] == old:
                return at
    return None


def _mismatch(lines: list[str], old: list[str], at: int) -> int:
    """The first line (1-based) where the file differs from what the hunk expects there."""
    for i, text in enumerate(old):
        if at + i >= len(lines) or lines[at + i] != text:
            return at + i + 1
    return at + 1   # it matches, but overlaps the hunk before


def apply_hunks(path: str, original: str, hunks: Iterable) -> str:
    """The file after the hunks, or PatchError naming the hunk that does not apply."""
    lines = original.splitlines(keepends=True)
    out: list[str] = []
    pos = offset = 0
    for n, hunk in enumerate(hunks, 1):
        old, new = _sides(hunk)
        # A hunk that removes nothing starts after line source_start, not at it.
        expected = hunk.source_start - (1 if hunk.source_length else 0)
        at = _locate(lines, old, expected + offset, pos)
        if at is None:
            header = (f"@@ -{hunk.source_start},{hunk.source_length} "
                      f"+{hunk.target_start},{hunk.target_length} @@")
            raise PatchError(f"patch does not apply: {path} hunk #{n} ({header}): "
                             f"context mismatch at line {_mismatch(lines, old, expected)}")
        out += lines[pos:at] + new
        pos, offset = at + len(old), at - expected
    return "".join(out + lines[pos:])


def replay(patches: Iterable[Patch], read: Callable[[str], str | None]) -> list[Change]:
    """Apply a series in order over the files `read` returns (None: no such file)."""
    state: dict[str, str | None] = {}

    def current(path: str) -> str | None:
        if path not in state:
            state[path] = read(path)
        return state[path]

    changes = []
    for patch in patches:
        for pf in patch.files:
            old, new = tree_path(pf.source_file), tree_path(pf.target_file)
            if not (new or old).endswith(SOURCE_SUFFIXES):
                continue    # only C files are analysed, so only they need applying
            before = current(old) if old else None
            if old and before is None:
                raise PatchError(f"patch does not apply: {old}: no such file in the tree")
            if not old and current(new) is not None:
                raise PatchError(f"patch does not apply: {new}: already exists in the tree")
            after = apply_hunks(old or new, before or "", pf)
            if not new and after:
                raise PatchError(f"patch does not apply: {old}: deleting it leaves lines behind")
            if old:
                state[old] = None
            if new:
                state[new] = after
            changes.append(Change(patch.subject, old, new, before, after if new else None))
    return changes


def tree_reader(root: str) -> Callable[[str], str | None]:
    def read(path: str) -> str | None:
        try:
            with open(os.path.join(root, path), "rb") as f:
                return _text(f.read())
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise PatchError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return read


def _git(tree: str, *args: str) -> bytes:
    run = subprocess.run(["git", "-C", tree, *args], capture_output=True)
    if run.returncode:
        raise PatchError(f"git {args[0]}: {_text(run.stderr).strip()}")
    return run.stdout


def git_changes(tree: str, rev_range: str) -> list[Change]:
    """The changes of each non-merge commit in the range, oldest first.

    A single revision means that commit alone, as for checkpatch.pl --git.
    """
    if rev_range.startswith("-"):   # git would take it for an option
        raise PatchError(f"not a revision range: {rev_range}")
    walk = [] if ".." in rev_range else ["--no-walk"]
    log = _git(tree, "log", "--reverse", "--no-merges", *walk, "--format=%H %s", rev_range, "--")
    changes = []
    for line in _text(log).splitlines():
        sha, _, subject = line.partition(" ")
        origin = f'{sha[:12]} ("{subject}")'
        fields = iter(_text(_git(tree, "diff-tree", "-r", "--root", "--no-commit-id",
                                 "--name-status", "-M", "-z", sha)).split("\0"))
        for status in fields:
            if not status:
                continue
            paths = [next(fields), next(fields)] if status.startswith("R") else [next(fields)]
            old = None if status == "A" else paths[0]
            new = None if status == "D" else paths[-1]
            if not (new or old).endswith(SOURCE_SUFFIXES):
                continue
            before = _text(_git(tree, "show", f"{sha}^:{old}")) if old else None
            after = _text(_git(tree, "show", f"{sha}:{new}")) if new else None
            changes.append(Change(origin, old, new, before, after))
    return changes


def _histories(changes: Iterable[Change]) -> dict[str, list[tuple[str, str | None]]]:
    """Final path -> [("", content before), (origin, content after), ...]."""
    hist: dict[str, list[tuple[str, str | None]]] = {}
    for c in changes:
        h = hist.pop(c.old or c.new, None) or [("", c.before)]
        h.append((c.origin, c.after))
        hist[c.new or c.old] = h    # a deleted file keeps its history: it may come back
    return hist


def _analyse_all(items: list[tuple[str, str]], options, rules, jobs: int,
                 timeout: float, errors: list[dict]) -> list[tuple[FileModel, tuple[Finding, ...]]]:
    """In worker processes, as for files on disk: a patch can crash the parser too.
    A rule that fails on a version of a file goes to `errors`, once."""
    sources = [(path, content.encode("utf-8", "surrogateescape")) for path, content in items]
    out = []
    for r in analyse_sources(sources, options, rules, jobs, timeout):
        errors += [e for f in r.failures for e in [{"path": f.path, "message": f.message}]
                   if e not in errors]
        out.append((r.model, r.findings))
    return out


def _added_items(finding: Finding, before) -> Finding | None:
    """A finding of a table that had one of the rule before: None when the
    patch adds none of the items it names, else the finding saying which."""
    prior = [f for f in before if (f.rule, f.symbol) == (finding.rule, finding.symbol)]
    if not prior or not finding.items:
        return finding
    had = {i for f in prior for i in f.items}
    added = [i for i in finding.items if i not in had]
    if not added:
        return None
    return replace(finding, message=f"{finding.message} (this change adds {listed(added)})")


def introduced(changes: Iterable[Change], options, rules, jobs: int = 0,
               timeout: float = DEFAULT_TIMEOUT) -> Outcome:
    """The findings the changes introduce, at their lines in the final files."""
    final = {path: h for path, h in _histories(changes).items()
             if h[-1][1] is not None and path.endswith(SOURCE_SUFFIXES)}
    items = sorted({(path, text) for path, h in final.items() for _, text in h if text is not None})
    outcome = Outcome(files=len(final))
    results = dict(zip(items, _analyse_all(items, options, rules, jobs, timeout, outcome.errors)))
    for path, h in final.items():
        seen = [{f.fingerprint for f in results[(path, text)][1]} if text is not None else set()
                for _, text in h]
        model, findings = results[(path, h[-1][1])]
        outcome.tables += model.tables
        outcome.not_analysed += bool(model.problems)
        first = results[(path, h[0][1])][1] if h[0][1] is not None else ()
        new = [(f, g) for f in findings if f.fingerprint not in seen[0]
               for g in [_added_items(f, first)] if g is not None]
        for f, g in new:
            # The last change after which it appeared: it has been there since.
            step = max(i for i in range(1, len(h)) if f.fingerprint in seen[i] - seen[i - 1])
            outcome.findings.append(replace(g, origin=h[step][0]))
        if new:
            outcome.sources[path] = tuple(h[-1][1].encode("utf-8", "surrogateescape")
                                          .decode("utf-8", "replace").splitlines())
    return outcome


def fill_report(report: Report, settings: Settings, *, patch: str | None, git: str | None,
                tree: str) -> None:
    """Fill a Report from --patch FILE or --git REV_RANGE; failures become report.errors."""
    name = git or patch
    try:
        if not os.path.isdir(tree):
            raise PatchError(f"--tree {tree}: not a directory")
        if git:
            changes = git_changes(tree, git)
        else:
            changes = replay(parse_series(read_source(patch)), tree_reader(tree))
        outcome = introduced(changes, settings.options, settings.rules, settings.jobs,
                             settings.timeout)
    except PatchError as exc:
        report.errors.append({"path": name, "message": str(exc)})
        return
    except OSError as exc:  # the patch file itself
        report.errors.append({"path": name, "message": f"cannot read: {exc.strerror or exc}"})
        return
    report.files = outcome.files
    report.not_analysed = outcome.not_analysed
    report.errors += outcome.errors
    report.findings += outcome.findings
    report.tables += outcome.tables
    report.sources.update(outcome.sources)
