#!/usr/bin/env python3
"""Recall test of the effect-judging rules on real drivers: seed defects, see what pmlint finds.

Usage: python bench/seed_defects.py TREE [--limit N] [--keep] [--jobs N]

1. Picks real driver files of TREE (drivers/, round-robin over its
   subsystems so that a --limit still spans many; sorted, deterministic)
   with a dev_pm_ops table that pmlint gives none of PM101/PM102/PM103 today
   and whose freeze side -- written with SET_SYSTEM_SLEEP_PM_OPS,
   SYSTEM_SLEEP_PM_OPS, (DEFINE_)SIMPLE_DEV_PM_OPS or `.freeze =` -- takes
   the device down as pmlint sees it (a net "down" effect of a class that is
   not weak in pmlint/data/effects.toml). Every file with a `struct
   xenbus_driver` that sets .resume is taken as well (for kind d).
2. Writes mutated copies of each file to a mirror of TREE under /tmp (each
   directory on the file's path is a real directory of symlinks to TREE's
   entries, so local #includes resolve as in TREE; TREE is never written),
   one small textual rewrite of one table per copy:
     a  drop the thaw side (.thaw, .thaw_early, .thaw_noirq, .complete):
        a sleep macro becomes its explicit members less those      -> PM101
     b  drop the restore side likewise (.restore*, .complete)      -> PM102
     c  keep only .suspend/.resume of the normal phase (no .freeze,
        .thaw, .poweroff, .restore)         -> PM103 when the suspend side
        stops interrupts, queues or DMA (an "activity" class), else nothing
     d  remove .resume from a struct xenbus_driver   -> PM105 when it sets
        .suspend, else nothing
   and harmless rewrites, which must leave the behaviour findings (rule,
   symbol) the same:
     e  reverse the members of a designated-initializer table
     f  SET_*_PM_OPS -> *_PM_OPS, SIMPLE_DEV_PM_OPS -> DEFINE_SIMPLE_DEV_PM_OPS
     g  the table's macro written through a local wrapper macro
        (#define SEEDWRAP_PM_OPS SYSTEM_SLEEP_PM_OPS(s, r), used in the table)
     0  control: an unchanged copy in the mirror (must change nothing)
3. Runs the pmlint command line (--format json --no-cache) on the originals
   and on the mutants. A seeded defect is found when the expected rule is on
   that table (or xenbus driver) in the mutant and not in the original; a
   harmless rewrite passes when its behaviour findings are the original's.
4. Prints, per kind, files tried, found/expected (or passed/tried), and every
   miss with what pmlint said, and whether pmlint's own view of the mutant's
   table shows the seed took (the dropped members gone, the slots unchanged
   for a harmless rewrite). Exit status 0.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SNAPSHOT = ""   # a copy of pmlint taken at start (main): the run is immune to edits made meanwhile
bodytext = catalogue = effects = pmcore = runner = _downs = side_effects = resolve = None
DEFAULT_CONFIG = ParseOptions = None


def _snapshot() -> str:
    """Copy pmlint (with rules/ as pmlint.rules) to /tmp and import it from there."""
    global SNAPSHOT, bodytext, catalogue, effects, pmcore, runner, _downs, side_effects, resolve
    global DEFAULT_CONFIG, ParseOptions
    SNAPSHOT = tempfile.mkdtemp(prefix="seed_defects_pmlint_", dir="/tmp")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(os.path.join(REPO, "pmlint"), os.path.join(SNAPSHOT, "pmlint"), ignore=ignore)
    shutil.copytree(os.path.join(REPO, "rules"), os.path.join(SNAPSHOT, "pmlint", "rules"),
                    ignore=ignore, dirs_exist_ok=True)
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(os.path.join(SNAPSHOT, "pmlint")):
        dirnames.sort()
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            digest.update(os.path.relpath(path, SNAPSHOT).encode() + b"\0")
            with open(path, "rb") as fh:
                digest.update(fh.read())
    sys.path.insert(0, SNAPSHOT)
    from pmlint import catalogue as _c
    from pmlint.kernel import effects as _e, pmcore as _p
    from pmlint.pipeline import runner as _r
    from pmlint.text import bodytext as _b
    from pmlint.rules.checks.behaviour import _downs as _d, side_effects as _s
    from pmlint.kernel.kconfig import resolve as _k
    from pmlint.frontend import DEFAULT_CONFIG as _dc, ParseOptions as _po
    bodytext, catalogue, effects, pmcore, runner = _b, _c, _e, _p, _r
    _downs, side_effects, resolve = _d, _s, _k
    DEFAULT_CONFIG, ParseOptions = _dc, _po
    assert os.path.dirname(catalogue.__file__).startswith(SNAPSHOT), catalogue.__file__
    return digest.hexdigest()[:12]


def _dotted(names) -> str:
    return ", ".join(f".{n}" for n in names)

# The behaviour rules, opt-in ones too (SELECT runs them): a harmless rewrite
# must move none of their findings.
BEHAVIOUR = ("PM101", "PM102", "PM103", "PM105", "PM106", "PM107", "PM108", "PM109", "PM110",
             "PM111", "PM112", "PM501")
SELECT = "PM1,PM5"   # PM1 names PM107 (opt-in) by prefix: it runs too
DEFECTS = {"a": "PM101", "b": "PM102", "c": "PM103", "d": "PM105"}
KINDS = {
    "a": "drop thaw side -> PM101",
    "b": "drop restore side -> PM102",
    "c": "only .suspend/.resume -> PM103",
    "d": "xenbus: drop .resume -> PM105",
    "e": "reorder members (harmless)",
    "f": "modernise macros (harmless)",
    "g": "local wrapper macro (harmless)",
    "0": "unchanged copy (control)",
}
FREEZE_SOURCES = {"SET_SYSTEM_SLEEP_PM_OPS", "SYSTEM_SLEEP_PM_OPS", "DEFINE_SIMPLE_DEV_PM_OPS",
                  "SIMPLE_DEV_PM_OPS", "freeze"}

# pm.h's member-setting macros (6.12): the members each sets, from which argument.
_SLEEP = ("suspend", "resume", "freeze", "thaw", "poweroff", "restore")
_ARGS = (0, 1, 0, 1, 0, 1)
MACROS: dict[str, tuple[tuple[str, int], ...]] = {}
for _pre, _suf in (("", ""), ("LATE_", "_late"), ("NOIRQ_", "_noirq")):
    _members = tuple((m + (_suf if m not in ("resume", "thaw", "restore") or not _suf else
                           {"_late": "_early", "_noirq": "_noirq"}[_suf]), a)
                     for m, a in zip(_SLEEP, _ARGS))
    MACROS[f"{_pre}SYSTEM_SLEEP_PM_OPS"] = _members
    MACROS[f"SET_{_pre}SYSTEM_SLEEP_PM_OPS"] = _members
MACROS["RUNTIME_PM_OPS"] = MACROS["SET_RUNTIME_PM_OPS"] = (
    ("runtime_suspend", 0), ("runtime_resume", 1), ("runtime_idle", 2))
WHOLE = {"DEFINE_SIMPLE_DEV_PM_OPS": "const struct dev_pm_ops",
         "SIMPLE_DEV_PM_OPS": "const struct dev_pm_ops __maybe_unused"}
MODERN = {"SET_SYSTEM_SLEEP_PM_OPS": "SYSTEM_SLEEP_PM_OPS",
          "SET_LATE_SYSTEM_SLEEP_PM_OPS": "LATE_SYSTEM_SLEEP_PM_OPS",
          "SET_NOIRQ_SYSTEM_SLEEP_PM_OPS": "NOIRQ_SYSTEM_SLEEP_PM_OPS",
          "SET_RUNTIME_PM_OPS": "RUNTIME_PM_OPS",
          "SIMPLE_DEV_PM_OPS": "DEFINE_SIMPLE_DEV_PM_OPS"}
THAW = ("thaw", "thaw_early", "thaw_noirq", "complete")
RESTORE = ("restore", "restore_early", "restore_noirq", "complete")
FREEZE = ("freeze", "freeze_late", "freeze_noirq")
SUSPEND = ("suspend", "suspend_late", "suspend_noirq")
NORMAL_NOT_SUSPEND = ("freeze", "thaw", "poweroff", "restore")


class Unrewritable(Exception):
    """The table is written in a way this script does not rewrite."""


# --- a little C text handling -------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_]\w*")


def _skip(text: str, i: int) -> int:
    """Past blanks and comments."""
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = len(text) if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
        else:
            break
    return i


def _close(text: str, i: int) -> int:
    """Index of the bracket matching text[i] ('(' '{' '['), strings and comments skipped."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack = [pairs[text[i]]]
    i += 1
    while i < len(text):
        c = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            i = _skip(text, i)
            continue
        if c in "\"'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif c in ")}]":
            if c != stack.pop():
                raise Unrewritable("unbalanced brackets")
            if not stack:
                return i
        i += 1
    raise Unrewritable("unbalanced brackets")


def _top_level_end(text: str, i: int, stop: int) -> int:
    """Index of the first top-level ',' at or after i, or stop."""
    while i < stop:
        c = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            i = _skip(text, i)
            continue
        if c in "({[":
            i = _close(text, i) + 1
            continue
        if c in "\"'":
            j = i + 1
            while j < stop and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == ",":
            return i
        i += 1
    return stop


def _args(text: str, lparen: int) -> list[str]:
    rparen = _close(text, lparen)
    out, i = [], lparen + 1
    while True:
        j = _top_level_end(text, i, rparen)
        out.append(text[i:j].strip())
        if j >= rparen:
            return out
        i = j + 1


@dataclass
class Entry:
    kind: str            # member, macro, pp (a preprocessor line), opaque
    start: int
    end: int             # past the entry and its ',' if it has one
    name: str = ""       # the member or the macro
    args: list[str] = field(default_factory=list)
    comma: bool = False

    def text(self, src: str) -> str:
        return src[self.start:self.end]


def _entries(text: str, lbrace: int, rbrace: int) -> list[Entry]:
    out, i = [], lbrace + 1
    while True:
        i = _skip(text, i)
        if i >= rbrace:
            return out
        if text[i] == "#":
            j = i
            while True:
                k = text.find("\n", j)
                k = len(text) if k < 0 else k
                if text[k - 1] != "\\":
                    break
                j = k + 1
            out.append(Entry("pp", i, k))
            i = k
            continue
        if text[i] == ".":
            m = _IDENT.match(text, _skip(text, i + 1))
            if not m:
                raise Unrewritable("odd designator")
            j = _top_level_end(text, m.end(), rbrace)
            comma = j < rbrace
            out.append(Entry("member", i, j + 1 if comma else _rstrip(text, i, j), m.group(), comma=comma))
            i = j + 1
            continue
        m = _IDENT.match(text, i)
        if m and _skip(text, m.end()) < rbrace and text[_skip(text, m.end())] == "(":
            lp = _skip(text, m.end())
            rp = _close(text, lp)
            j = _skip(text, rp + 1)
            comma = j < rbrace and text[j] == ","
            out.append(Entry("macro", i, j + 1 if comma else rp + 1, m.group(), _args(text, lp), comma))
            i = j + 1 if comma else rp + 1
            continue
        j = _top_level_end(text, i, rbrace)
        nl = text.find("\n", i)
        j = min(j, nl) if nl >= 0 else j
        out.append(Entry("opaque", i, j, text[i:j].strip()))
        i = j + 1 if j < rbrace and text[j] == "," else j


def _rstrip(text: str, i: int, j: int) -> int:
    while j > i and text[j - 1].isspace():
        j -= 1
    return j


def _line_start(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def _offset(text: str, line: int, column: int) -> int:
    pos = 0
    for _ in range(line - 1):
        pos = text.index("\n", pos) + 1
    return pos + column - 1


def _indent(text: str, i: int) -> str:
    ls = _line_start(text, i)
    m = re.match(r"[ \t]*", text[ls:i])
    return m.group() if m and m.end() == i - ls else "\t"


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole lines when nothing else is on them."""
    ls = _line_start(text, start)
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    if not text[ls:start].strip() and not _strip_comments(text[end:le]).strip():
        return ls, min(le + 1, len(text))
    return start, end


def _strip_comments(s: str) -> str:
    return re.sub(r"/\*.*?\*/|//.*", "", s)


@dataclass
class Span:
    """Where a table's (or driver's) members are written in the text."""

    lbrace: int = -1
    rbrace: int = -1
    whole: Entry | None = None     # DEFINE_SIMPLE_DEV_PM_OPS(name, s, r) itself
    entries: list[Entry] = field(default_factory=list)


def _span(text: str, line: int, column: int, name: str, defined_by: str) -> Span:
    at = _offset(text, line, column)
    if defined_by in WHOLE:
        m = _IDENT.match(text, at)
        if not m or m.group() != defined_by:
            raise Unrewritable(f"{defined_by} not found where pmlint puts the table")
        lp = _skip(text, m.end())
        args = _args(text, lp)
        if len(args) != 3 or args[0] != name:
            raise Unrewritable(f"{defined_by} arguments")
        return Span(whole=Entry("macro", at, _close(text, lp) + 1, defined_by, args))
    m = re.compile(r"\b" + re.escape(name) + r"\b").search(text, at)
    if not m or m.start() - at > 200:
        raise Unrewritable("table name not found where pmlint puts the table")
    eq = _skip(text, m.end())
    while eq < len(text) and text[eq] != "=":   # [] or attributes between the name and '='
        if text[eq] in ";{":
            raise Unrewritable("no initializer")
        eq += 1
    lb = _skip(text, eq + 1)
    if lb >= len(text) or text[lb] != "{":
        raise Unrewritable("initializer is not a brace list")
    rb = _close(text, lb)
    return Span(lb, rb, None, _entries(text, lb, rb))


def _explicit(entry: Entry, drop: set[str], indent: str) -> str:
    pairs = [(m, entry.args[a]) for m, a in MACROS[entry.name] if m not in drop]
    return ("\n" + indent).join(f".{m} = {v}," for m, v in pairs)


def _members_of(entry: Entry) -> set[str]:
    if entry.kind == "member":
        return {entry.name}
    if entry.kind == "macro" and entry.name in MACROS:
        return {m for m, _ in MACROS[entry.name]}
    return set()


def _check_known(text: str, span: Span, what: str = "") -> None:
    for e in span.entries:
        if e.kind == "opaque" or (e.kind == "macro" and e.name not in MACROS):
            raise Unrewritable(f"{what}member source pmlint's script does not expand: "
                               f"{(e.name or e.text(text))[:40]}")


def drop_members(text: str, span: Span, drop: set[str]) -> str:
    """The text with the table's members in `drop` removed (a macro becomes its other members)."""
    if span.whole is not None:
        w = span.whole
        s, r = w.args[1], w.args[2]
        pairs = [(m, s if a == 0 else r) for m, a in MACROS["SYSTEM_SLEEP_PM_OPS"] if m not in drop]
        body = "".join(f"\n\t.{m} = {v}," for m, v in pairs)
        return text[:w.start] + f"{WHOLE[w.name]} {w.args[0]} = {{{body}\n}}" + text[w.end:]
    _check_known(text, span)
    edits = []
    for e in span.entries:
        if e.kind == "member" and e.name in drop:
            edits.append((*_cut(text, e.start, e.end), ""))
        elif e.kind == "macro" and _members_of(e) & drop:
            new = _explicit(e, drop, _indent(text, e.start))
            if not new:
                edits.append((*_cut(text, e.start, e.end), ""))
            else:
                edits.append((e.start, e.end, new))
    if not edits:
        raise Unrewritable("nothing to drop")
    return _apply(text, edits)


def _apply(text: str, edits) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def reorder(text: str, span: Span) -> str:
    if span.whole is not None:
        raise Unrewritable("not a designated initializer")
    es = span.entries
    if any(e.kind == "pp" for e in es):
        raise Unrewritable("#if inside the initializer")
    _check_known(text, span)
    if len(es) < 2:
        raise Unrewritable("fewer than two entries")
    seen: set[str] = set()
    for e in es:
        ms = _members_of(e)
        if ms & seen:
            raise Unrewritable("a member set twice (order matters)")
        seen |= ms
    parts = []
    for e in reversed(es):
        t = text[e.start:e.end]
        if e.kind == "member" and not e.comma:
            t += ","
        parts.append(t)
    indent = _indent(text, es[0].start)
    new = ("\n" + indent).join(parts)
    return text[:es[0].start] + new + text[es[-1].end:]


def modernise(text: str, span: Span) -> str:
    ms = [span.whole] if span.whole is not None else [e for e in span.entries if e.kind == "macro"]
    edits = [(e.start, e.start + len(e.name), MODERN[e.name]) for e in ms if e.name in MODERN]
    if not edits:
        raise Unrewritable("no SET_*_PM_OPS or SIMPLE_DEV_PM_OPS")
    return _apply(text, edits)


def wrap(text: str, span: Span) -> str:
    if span.whole is not None:
        e = span.whole
    else:
        sleep = [e for e in span.entries if e.kind == "macro" and e.name in MACROS]
        if not sleep:
            raise Unrewritable("no pm.h macro in the table")
        e = next((x for x in sleep if "SYSTEM_SLEEP" in x.name), sleep[0])
    body = text[e.start:e.start + len(e.name)] + "(" + ", ".join(e.args) + ")"
    if "/*" in body or "//" in body or "\n" in body:
        raise Unrewritable("comment inside the macro's arguments")
    ls = _line_start(text, e.start)
    if ls >= 2 and text[ls - 2] == "\\":
        raise Unrewritable("line continuation before the table")
    end = e.end if span.whole is not None or not e.comma else e.end - 1   # keep a ',' after it
    new_line = f"#define SEEDWRAP_PM_OPS {body}\n"
    return text[:ls] + new_line + text[ls:e.start] + "SEEDWRAP_PM_OPS" + text[end:]


# --- choosing files and tables -----------------------------------------------

def _vocab_downs(vocab) -> re.Pattern:
    names = sorted({n for c in vocab.classes if not c.weak for n in c.down})
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\s*\(")


_FREEZE_TEXT = re.compile(rb"SYSTEM_SLEEP_PM_OPS|SIMPLE_DEV_PM_OPS|\.freeze\s*=")


def _round_robin(tree: str, root: str) -> list[str]:
    """drivers/<subsystem>/... files, sorted, taken one subsystem at a time."""
    groups: dict[str, list[str]] = {}
    base = os.path.join(tree, root)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        rel = os.path.relpath(dirpath, tree)
        parts = rel.split(os.sep)
        key = os.sep.join(parts[:2]) if len(parts) > 1 else rel
        for f in sorted(filenames):
            if f.endswith(".c"):
                groups.setdefault(key, []).append(os.path.join(rel, f))
    lists = [groups[k] for k in sorted(groups)]
    out = []
    for i in range(max((len(x) for x in lists), default=0)):
        out.extend(x[i] for x in lists if i < len(x))
    return out


@dataclass
class Target:
    path: str                 # relative to TREE
    table: str                # table or xenbus driver
    kind: str
    expect: str               # rule expected, "" for none (harmless, or c/d without a reason)
    why: str                  # how the expectation was judged
    text: str                 # the mutant's text
    drop: tuple[str, ...] = ()   # members the seed removes (checked in pmlint's view)
    mutant: str = ""          # path of the mutant, relative to the mirror
    note: str = ""            # what to read first if it is missed


def _read(tree: str, rel: str) -> str:
    with open(os.path.join(tree, rel), encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def _table_targets(tree: str, rel: str, model, findings, vocab, skipped) -> list[Target]:
    text = _read(tree, rel)
    # A run reads the bodies the rules judge; choosing what to seed reads them all.
    model = bodytext.attach(model, text.encode("utf-8", "surrogateescape"),
                            [f.name for f in model.functions])
    out = []
    bad = {(f.rule, f.symbol) for f in findings}
    for t in model.tables:
        if not (t.defined and t.complete):
            continue
        if any((r, t.name) in bad for r in ("PM101", "PM102", "PM103")):
            continue
        freeze = t.slot("freeze")
        if freeze is None or freeze.via not in FREEZE_SOURCES:
            continue
        fmembers = [m for m in FREEZE if t.slot(m)]
        downs = _downs(side_effects(model, t, fmembers, vocab, "down"))
        strong = [e for e in downs if not e.cls.weak]
        if not strong:
            continue
        try:
            span = _span(text, t.location.line, t.location.column, t.name, t.defined_by)
        except Unrewritable as exc:
            skipped.append((rel, t.name, "*", str(exc)))
            continue
        classes = ", ".join(sorted({e.cls.name for e in strong}))
        # c: the suspend side's activity, and what of the freeze side is left
        susp = [m for m in SUSPEND if t.slot(m)]
        live = sorted({e.cls.name for e in _downs(side_effects(model, t, susp, vocab, "down"))
                       if e.cls.activity})
        # .freeze_late/.freeze_noirq stay: as PM103's documentation says, they count for
        # what they do (NULL: a decision; unknown calls: not judged).
        left = [m for m in FREEZE if m != "freeze" and t.slot(m)]
        left_nulls = [m for m in FREEZE if m != "freeze" and m in t.nulls]
        stay = side_effects(model, t, left, vocab, "down")
        if not live:
            c_expect, c_why = "", "suspend side stops no activity"
        elif left_nulls:
            c_expect, c_why = "", f"{_dotted(left_nulls)} written as NULL"
        elif any(ce.unknown for ce in stay):
            c_expect, c_why = "", f"{_dotted(left)} stay, calling what pmlint does not know"
        elif any(e.cls.activity for e in _downs(stay)):
            c_expect, c_why = "", f"{_dotted(left)} stay and stop activity"
        else:
            c_expect, c_why = "PM103", "suspend side stops " + ", ".join(live) + (
                f" ({_dotted(left)} stay, stopping none)" if left else "")
        plan = [("a", "PM101", f"freeze side downs {classes}", lambda: drop_members(text, span, set(THAW)), THAW),
                ("b", "PM102", f"freeze side downs {classes}", lambda: drop_members(text, span, set(RESTORE)), RESTORE),
                ("c", c_expect, c_why, lambda: drop_members(text, span, set(NORMAL_NOT_SUSPEND)),
                 NORMAL_NOT_SUSPEND),
                ("e", "", "harmless", lambda: reorder(text, span), ()),
                ("f", "", "harmless", lambda: modernise(text, span), ()),
                ("g", "", "harmless", lambda: wrap(text, span), ()),
                ("0", "", "control", lambda: text, ())]
        # PM103 may also ask whether the file's device does DMA at all (its match's
        # `dma` calls): the expectation stays what the suspend side does, the
        # gate is named for whoever reads a miss.
        gate = catalogue.by_id()["PM103"].match.get("dma") if "PM103" in catalogue.by_id() else None
        c_note = ""
        if c_expect and gate and not set(model.called) & set(gate):
            c_note = "the file calls none of PM103's [match] dma calls"
        for kind, expect, why, make, drop in plan:
            try:
                out.append(Target(rel, t.name, kind, expect, why, make(), tuple(drop),
                                  note=c_note if kind == "c" else ""))
            except Unrewritable as exc:
                skipped.append((rel, t.name, kind, str(exc)))
    return out


def _xen_targets(tree: str, rel: str, model, skipped) -> list[Target]:
    text = _read(tree, rel)
    out = []
    if not any(d.type == "xenbus_driver" and d.slot("resume") for d in model.drivers):
        skipped.append((rel, "", "d", "no xenbus_driver with .resume in pmlint's view "
                                      "(compiled out in the default configuration?)"))
    for d in model.drivers:
        if d.type != "xenbus_driver" or d.slot("resume") is None:
            continue
        try:
            span = _span(text, d.location.line, d.location.column, d.name, "")
            res = [e for e in span.entries if e.kind == "member" and e.name == "resume"]
            if len(res) != 1:
                raise Unrewritable(".resume not written once as a member")
            e = res[0]
            new = _apply(text, [(*_cut(text, e.start, e.end), "")])
        except Unrewritable as exc:
            skipped.append((rel, d.name, "d", str(exc)))
            continue
        if d.slot("suspend"):
            expect, why = "PM105", f"sets .suspend = {d.slot('suspend').callback}"
        else:
            expect, why = "", "sets no .suspend"
        out.append(Target(rel, d.name, "d", expect, why, new, ("resume",)))
    return out


def choose(tree: str, limit: int, jobs: int, options: ParseOptions) -> tuple[list[Target], list, int]:
    vocab = effects.vocabulary()
    downs_re = _vocab_downs(vocab)
    rules = tuple(r for r in catalogue.rules() if r.id in ("PM101", "PM102", "PM103"))
    candidates, xen = [], []
    for rel in _round_robin(tree, "drivers") + _round_robin(tree, "sound") + _round_robin(tree, "net"):
        if not rel.startswith("drivers" + os.sep) and b"xenbus_driver" not in open(
                os.path.join(tree, rel), "rb").read():
            continue   # sound/ and net/: only for their xenbus drivers
        try:
            with open(os.path.join(tree, rel), "rb") as f:
                data = f.read()
        except OSError:
            continue
        if b"struct xenbus_driver" in data and re.search(rb"\.resume\s*=", data):
            xen.append(rel)
        if (b"dev_pm_ops" in data or b"PM_OPS" in data) and _FREEZE_TEXT.search(data) \
                and downs_re.search(data.decode("latin-1")):
            candidates.append(rel)
    targets, skipped, files, parsed = [], [], set(), 0
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        # One run of workers over all candidates, left as soon as enough are found
        # (each new worker would build the parser's prelude again).
        results = runner.analyse(candidates, options, rules, jobs=jobs)
        try:
            for res in results:
                if len(files) >= limit:
                    break
                parsed += 1
                found = _table_targets(tree, res.model.path, res.model, res.findings, vocab, skipped)
                if found:
                    files.add(res.model.path)
                    targets.extend(found)
        finally:
            results.close()
        for res in runner.analyse(sorted(xen), options, (), jobs=jobs):
            targets.extend(_xen_targets(tree, res.model.path, res.model, skipped))
    finally:
        os.chdir(cwd)
    return targets, skipped, parsed


# --- the mirror and the runs ---------------------------------------------------

def _real_dir(tree: str, mirror: str, rel_dir: str) -> None:
    """Make mirror/rel_dir (and each directory above it) real, holding symlinks to TREE's entries."""
    parts = [] if rel_dir in ("", ".") else rel_dir.split(os.sep)
    for n in range(len(parts) + 1):
        rel = os.sep.join(parts[:n])
        dst = os.path.join(mirror, rel)
        if os.path.islink(dst):
            os.unlink(dst)
        if not os.path.isdir(dst):
            os.makedirs(dst)
            src = os.path.join(tree, rel)
            for name in sorted(os.listdir(src)):
                os.symlink(os.path.join(src, name), os.path.join(dst, name))


def _pmlint(paths: list[str], cwd: str, jobs: int) -> dict:
    """One pmlint command line (the snapshot's) over paths; 500 at a time."""
    cmd = [sys.executable, "-m", "pmlint", "--format", "json", "--no-cache", "--exit-zero",
           "--select", SELECT]
    env = dict(os.environ, PYTHONPATH=SNAPSHOT)
    if jobs:
        cmd += ["-j", str(jobs)]
    out = {"findings": [], "tables": [], "errors": []}
    for i in range(0, len(paths), 500):
        p = subprocess.run(cmd + paths[i:i + 500], cwd=cwd, capture_output=True, text=True, env=env)
        if p.returncode not in (0, 1):
            sys.exit(f"pmlint failed ({p.returncode}): {p.stderr[-2000:]}")
        d = json.loads(p.stdout)
        for k in out:
            out[k].extend(d.get(k, []))
    return out


def _by_path(result: dict):
    findings, tables = collections.defaultdict(list), {}
    for f in result["findings"]:
        findings[f["path"]].append(f)
    for t in result["tables"]:
        tables[(t["path"], t["name"])] = t
    return findings, tables


def _venv() -> None:
    """Run under the checkout's .venv when this Python lacks libclang's bindings."""
    try:
        import clang.cindex  # noqa: F401
    except ImportError:
        python = os.path.join(REPO, ".venv", "bin", "python")
        if os.path.exists(python) and os.path.realpath(sys.prefix) != os.path.realpath(
                os.path.join(REPO, ".venv")):
            os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])
        raise


def main(argv=None) -> int:
    _venv()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tree")
    ap.add_argument("--limit", type=int, default=40, help="files with a table to seed (default 40)")
    ap.add_argument("--jobs", "-j", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="keep the mirror with the mutants")
    args = ap.parse_args(argv)
    tree = os.path.abspath(args.tree)
    digest = _snapshot()
    options = ParseOptions(config=resolve(DEFAULT_CONFIG, [])[0], switch_off=())

    targets, skipped, parsed = choose(tree, args.limit, args.jobs, options)
    mirror = tempfile.mkdtemp(prefix="seed_defects_", dir="/tmp")
    try:
        counter = collections.Counter()
        for t in targets:
            d, base = os.path.split(t.path)
            _real_dir(tree, mirror, d)
            stem = base[:-2]
            counter[(t.path, t.kind)] += 1
            t.mutant = os.path.join(d, f"{stem}.seed-{t.kind}{counter[(t.path, t.kind)]}.c")
            with open(os.path.join(mirror, t.mutant), "w", encoding="utf-8",
                      errors="surrogateescape") as f:
                f.write(t.text)
        # Originals (by absolute path) and mutants in the same runs of the same code.
        originals = [os.path.join(tree, p) for p in sorted({t.path for t in targets})]
        both = _by_path(_pmlint(originals + sorted(t.mutant for t in targets), mirror, args.jobs))
        orig_f = {os.path.relpath(p, tree): v for p, v in both[0].items() if os.path.isabs(p)}
        orig_t = {(os.path.relpath(p, tree), n): v for (p, n), v in both[1].items() if os.path.isabs(p)}
        mut_f, mut_t = both
    finally:
        if args.keep:
            print(f"mutants kept in {mirror}")
        else:
            shutil.rmtree(mirror, ignore_errors=True)
        shutil.rmtree(SNAPSHOT, ignore_errors=True)

    rows = collections.OrderedDict((k, {"files": set(), "tried": 0, "ok": 0, "expected": 0,
                                        "none": 0, "none_ok": 0}) for k in KINDS)
    misses = []

    def behaviour(fs):
        return {(f["rule"], f["symbol"]) for f in fs if f["rule"] in BEHAVIOUR}

    def said(fs, sym):
        got = sorted({f["rule"] for f in fs if f["symbol"] == sym and f["rule"] in BEHAVIOUR})
        return ", ".join(got) or "no behaviour finding on it"

    for t in targets:
        row = rows[t.kind]
        row["files"].add(t.path)
        row["tried"] += 1
        before, after = orig_f.get(t.path, []), mut_f.get(t.mutant, [])
        table_after = mut_t.get((t.mutant, t.table))
        table_before = orig_t.get((t.path, t.table))
        seed = ""
        if t.kind in "abc":
            if table_after is None:
                seed = "pmlint finds no such table in the mutant"
            elif set(t.drop) & set(table_after["slots"]):
                seed = "pmlint still sees " + _dotted(sorted(set(t.drop) & set(table_after["slots"])))
        elif t.kind in "efg0":
            if table_after is None:
                seed = "pmlint finds no such table in the mutant"
            elif table_before is not None and table_after["slots"] != table_before["slots"]:
                seed = "pmlint's slots changed"
        if t.kind in DEFECTS:
            if not t.expect:
                row["none"] += 1
                new = behaviour(after) - behaviour(before)
                if any(r == DEFECTS[t.kind] for r, s in new if s == t.table):
                    misses.append((t, f"unexpected {DEFECTS[t.kind]} ({t.why})", said(after, t.table), seed))
                else:
                    row["none_ok"] += 1
                continue
            row["expected"] += 1
            hit = any(f["rule"] == t.expect and f["symbol"] == t.table for f in after)
            had = any(f["rule"] == t.expect and f["symbol"] == t.table for f in before)
            if hit and not had:
                row["ok"] += 1
            else:
                misses.append((t, f"expected {t.expect} ({t.why})" + (" but the original has it" if had else ""),
                               said(after, t.table), seed))
        else:
            row["expected"] += 1
            b, a = behaviour(before), behaviour(after)
            if a == b and not seed:
                row["ok"] += 1
            else:
                diff = [f"+{r} {s}" for r, s in sorted(a - b)] + [f"-{r} {s}" for r, s in sorted(b - a)]
                misses.append((t, "behaviour findings changed" if a != b else "findings same",
                               " ".join(diff) or "unchanged", seed))

    n_files = len({t.path for t in targets if t.kind != "d"})
    print(f"pmlint: snapshot of {REPO}/pmlint + rules/ taken at start, digest {digest}")
    print(f"seed_defects: {tree}: {parsed} candidate files parsed, {n_files} files with a table "
          f"seeded, {len({t.path for t in targets if t.kind == 'd'})} xenbus files")
    print(f"{'kind':<4} {'mutation':<34} {'files':>5} {'tried':>5} {'found/expected':>15} {'no-expect ok':>13}")
    for k, row in rows.items():
        if not row["tried"]:
            continue
        label = "passed/tried" if k not in DEFECTS else ""
        ratio = f"{row['ok']}/{row['expected']}"
        extra = f"{row['none_ok']}/{row['none']}" if k in DEFECTS else "-"
        print(f"{k:<4} {KINDS[k]:<34} {len(row['files']):>5} {row['tried']:>5} {ratio:>15} {extra:>13}"
              + (f"  ({label})" if label else ""))
    print()
    print(f"misses ({len(misses)}):")
    for t, what, got, seed in misses:
        print(f"  {t.path}: {t.table}: {t.kind} ({KINDS[t.kind]}): {what}; pmlint: {got}"
              + (f"; seed check: {seed}" if seed else "") + (f"; note: {t.note}" if t.note else ""))
    print()
    not_rewritten = collections.Counter(why for _, _, _, why in skipped)
    print(f"not rewritten ({len(skipped)} table/kind pairs):")
    for why, n in sorted(not_rewritten.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {n:4}  {why}")
        for rel, name, kind, w in skipped:
            if w == why and kind == "d":
                print(f"          {rel}" + (f": {name}" if name else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
