"""The fix planner's state and edit primitives, and what it reads of the
file's #if guards around the PM code (which guards a conversion may
remove, where a callback is compiled); pmlint.fixes.plan decides the fixes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property

from pmlint.text import ctext
from pmlint.fixes import layout
from pmlint.model import FileModel, PmTable

# Guards the new macros make redundant: the whole condition is CONFIG_PM or CONFIG_PM_SLEEP.
_PM_GUARD = re.compile(rb"(?:defined\s*\(?\s*|IS_ENABLED\s*\(\s*)?CONFIG_PM(?:_SLEEP)?\s*\)?")
_PM_OPTION = re.compile(rb"\bCONFIG_(?:PM|PM_SLEEP|SUSPEND|HIBERNATION|HIBERNATE_CALLBACKS)\b")
_NULL_DEFINE = re.compile(rb"(\w+)\s+(?:NULL|\(\s*\(\s*void\s*\*\s*\)\s*0\s*\))")
# Callbacks pm.h, pm_runtime.h and pm_clock.h declare in every configuration
# (as NULL or stubs when their option is off).
_PM_H_CALLBACK_PREFIXES = ("pm_generic_", "pm_runtime_", "pm_clk_")
# Functions the headers #define as NULL when a PM option is off (pm.h without
# CONFIG_PM_SLEEP, pm_clock.h, platform_device.h): fine as a table member, but
# code calling one does not compile with the option off, so its guard stays.
_PM_NULL_CALL = re.compile(
    rb"\b(pm_generic_(?:prepare|complete|(?:suspend|resume|freeze|thaw|poweroff|restore)"
    rb"(?:_late|_early|_noirq)?)|pm_clk_(?:suspend|resume)"
    rb"|platform_pm_(?:suspend|resume|freeze|thaw|poweroff|restore))\s*\(")

# A finding a fix is asked for: its rule, the table it names (its symbol) and its line.
Wanted = set[tuple[str, str, int]]


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: bytes


@dataclass(frozen=True)
class Expect:
    """What the parser must see of a table after the fixes."""

    const: bool
    defined_by: str
    slots: tuple[tuple[str, str], ...]


@dataclass
class Plan:
    edits: list[Edit] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)     # "PM201 foo_pm_ops"
    skipped: list[str] = field(default_factory=list)   # "PM201 foo_pm_ops: why not"
    expect: dict[str, Expect] = field(default_factory=dict)
    converted_callbacks: set[str] = field(default_factory=set)


@dataclass
class _Conversion:
    table: PmTable
    calls: list[tuple[int, str]]              # (offset, macro) of each deprecated call
    callbacks: dict[str, int] = field(default_factory=dict)  # name -> offset of its first use


class PlannerBase:
    """A plan's state over one file, the edits it can make, and its reading of the #if guards."""

    def __init__(self, model: FileModel, source: bytes, wanted: Wanted):
        self.model, self.source, self.wanted = model, source, wanted
        self.masked = ctext.mask(source)
        self.conds = ctext.conditionals(self.masked)
        self.out = Plan()
        # Code compiled only with a PM option on: the #if branches that test one.
        self.pm_regions = [(c.branches[0].body, c.branches[0].end) for c in self.conds
                           if c.branches[0].kind in (b"if", b"ifdef")
                           and _PM_OPTION.search(c.branches[0].condition)]
        self.wrapped: set[int] = set()  # pointers already wrapped
        self.kept: dict[int, str] = {}  # guard -> why it stays although it holds only callbacks

    # -- helpers ------------------------------------------------------
    def _at(self, loc) -> int:
        return ctext.offset(self.source, loc.line, loc.column)

    def _skip(self, rule: str, table: PmTable, why: str) -> None:
        self.out.skipped.append(f"{rule} {table.name}: {why}")

    def _wants(self, rule: str, table: PmTable) -> bool:
        """Whether the table's finding of `rule` is one a fix is asked for."""
        return (rule, table.name, table.location.line) in self.wanted

    def _expect(self, table: PmTable, **changes) -> None:
        self.out.expect[table.name] = Expect(**{**vars(self.out.expect[table.name]), **changes})

    def _fits(self, start: int, end: int, text: bytes) -> bool:
        """Whether replacing [start, end) with text keeps its lines within 100 columns."""
        ls, le = ctext.line_start(self.source, start), ctext.line_end(self.source, end)
        return layout.fits((self.source[ls:start] + text + self.source[end:le]).rstrip(b"\n").split(b"\n"))

    def _edit(self, start: int, end: int, text: bytes) -> None:
        self.out.edits.append(Edit(start, end, text))

    def _call_ranges(self, candidates) -> list[tuple[int, int]]:
        out = []
        for conv in candidates:
            for start, _ in conv.calls:
                open_at = self.masked.index(b"(", start)
                out.append((open_at, ctext.closing(self.masked, open_at)))
        return out

    def _is_pm_guard(self, cond: ctext.Conditional) -> bool:
        first = cond.branches[0]
        return (first.kind in (b"if", b"ifdef") and _PM_GUARD.fullmatch(first.condition) is not None
                and (first.kind == b"ifdef") == first.condition.startswith(b"CONFIG_"))

    def _removable_guards(self, candidates) -> list[ctext.Conditional]:
        """PM guards holding only converted callbacks (an #else only NULLs them), whose
        callbacks are named nowhere else except in PM-only code."""
        callbacks = {name for c in candidates for name in c.callbacks}
        found = {}
        for cond in self.conds:
            if not self._is_pm_guard(cond) or len(cond.branches) > 2:
                continue
            first = cond.branches[0]
            decls = ctext.items(self.masked, first.body, first.end)
            if not decls or any(d.name not in callbacks for d in decls):
                continue
            if len(cond.branches) == 2 and not self._only_nulls(cond.branches[1], callbacks):
                continue
            needs = self._needs_pm_only(first)
            if needs:
                self.kept[cond.start] = f"uses {needs}, which the file declares only under a CONFIG_PM option"
                continue
            calls = sorted({m.group(1).decode() for m in
                            _PM_NULL_CALL.finditer(self.masked, first.body, first.end)})
            if calls:
                self.kept[cond.start] = (f"calls {', '.join(c + '()' for c in calls)}, which the kernel "
                                         "headers define as NULL when the PM option is off")
                continue
            found[cond.start] = (cond, {d.name for d in decls})
        uses = {}
        for m in ctext.IDENT.finditer(self.masked):
            if m.group().decode() in callbacks:
                uses.setdefault(m.group().decode(), []).append(m.start())
        calls = self._call_ranges(candidates)
        while True:
            gone = [(c.start, c.endif_end) for c, _ in found.values()]
            # Every use stays fine (in a converted call, in PM-only code, in a guard that
            # goes), and one converted call is compiled whenever the callback is.
            bad = [key for key, (cond, names) in found.items()
                   if not all(any(s <= at < e for s, e in calls + self.pm_regions + gone)
                              for name in names for at in uses[name])
                   or not all(any(s <= at < e and self._compiled_with(at, cond, found)
                                  for s, e in calls for at in uses[name]) for name in names)]
            if not bad:
                return [c for c, _ in found.values()]
            for key in bad:
                del found[key]

    def _compiled_with(self, at: int, cond: ctext.Conditional, found) -> bool:
        """Whether offset `at` is compiled whenever `cond`'s body will be, once the
        guards in `found` are gone."""
        return self._where(at, {c for c, _ in found.values()}) <= self._where(cond.start)

    def _where(self, at: int, gone=frozenset()) -> set:
        """The conditions offset `at` is compiled under (#if text and branch, so two
        `#ifdef CONFIG_PM_SLEEP` blocks count as one condition), but those in `gone`."""
        return {(c.branches[0].kind, c.branches[0].condition, i)
                for c, i in ctext.enclosing(self.conds, at) if c not in gone}

    def _needs_pm_only(self, branch: ctext.Branch) -> str:
        """A name the branch uses that the rest of the file has only in PM-only code
        (a struct member or helper under #ifdef CONFIG_PM_SLEEP): with the guard
        gone, the callbacks would not compile with the option off."""
        body = {m.group() for m in ctext.IDENT.finditer(self.masked, branch.body, branch.end)}
        declared = set().union(*(ctext.declared_names(self.masked, s, e) for s, e in self.pm_regions
                                 if (s, e) != (branch.body, branch.end)))
        return ", ".join(sorted(w.decode() for w in (body & declared) - self._words_outside_pm))

    @cached_property
    def _words_outside_pm(self) -> set[bytes]:
        return {m.group() for m in ctext.IDENT.finditer(self.masked)
                if not any(s <= m.start() < e for s, e in self.pm_regions)}

    def _only_nulls(self, branch: ctext.Branch, callbacks: set[str]) -> bool:
        lines = self.masked[branch.body:branch.end].split(b"\n")
        for line in lines:
            m = re.fullmatch(rb"\s*#\s*define\s+(.*?)\s*", line)
            if m:
                null = _NULL_DEFINE.fullmatch(m.group(1))
                if not null or null.group(1).decode() not in callbacks:
                    return False
            elif line.strip():
                return False
        return True

    def _sites(self, name: str) -> list[int]:
        """Offsets where the text declares or defines a function `name`, or #defines it."""
        sites = [d.start for d in ctext.declarations(self.masked, name)]
        sites += [m.start() for m in re.finditer(rb"^[ \t]*#[ \t]*define[ \t]+" + name.encode() + rb"\b",
                                                 self.masked, re.M)]
        return sorted(sites)

    def _available(self, name: str, conv: _Conversion, removed) -> bool:
        """Whether `name` is declared before its use wherever the use is compiled."""
        if name.startswith(_PM_H_CALLBACK_PREFIXES):
            return True
        gone = set(removed)
        use = conv.callbacks[name]
        table_conds = self._where(use)
        sites = [s for s in self._sites(name) if s < use]
        for site in sites:
            extra = [(c, i) for c, i in ctext.enclosing(self.conds, site)
                     if (c.branches[0].kind, c.branches[0].condition, i) not in table_conds]
            if any(c in gone and i > 0 for c, i in extra):
                continue  # in an #else that goes
            if all(c in gone or self._both_branches(c, name, sites) for c, _ in extra):
                return True
        return self._local_header_declares(name)

    def _local_header_declares(self, name: str) -> bool:
        """A header next to the file (#include "x.h") declares `name` outside any #if
        but its include guard."""
        return any(ctext.header_declares(os.path.join(os.path.dirname(self.model.path),
                                                      header.decode("utf-8", "replace")), name)
                   for at, header in ctext.local_includes(self.source)
                   if self.masked[at:at + 1] == b"#")  # not in a comment

    def _both_branches(self, cond: ctext.Conditional, name: str, sites: list[int]) -> bool:
        """A conditional with an #else where each branch declares `name`."""
        return len(cond.branches) > 1 and cond.branches[-1].kind == b"else" and all(
            any(b.body <= s < b.end for s in sites) for b in cond.branches)

    def _in_pm_region(self, at: int) -> bool:
        return any(s <= at < e for s, e in self.pm_regions)

    def _rename_call(self, start: int, old: str, new: str) -> None:
        for edit in layout.rename_call(self.source, self.masked, start, old, new):
            self._edit(*edit)

    def _remove_guard(self, cond: ctext.Conditional) -> None:
        """Delete the #if line, and the #else branch and #endif line."""
        first = cond.branches[0]
        self._delete_lines(first.start, first.body)
        self._delete_lines(first.end, cond.endif_end)

    def _delete_lines(self, start: int, end: int) -> None:
        """Delete whole lines, keeping one blank line between a function's '}' and
        what follows, and never leaving two blank lines in a row."""
        before = self.source[ctext.line_start(self.source, max(start - 1, 0)):start]
        after = self.source[end:ctext.line_end(self.source, end)]
        if start > 0 and not before.strip() and not after.strip() and end < len(self.source):
            end = ctext.line_end(self.source, end)
        blank = before.rstrip() == b"}" and after.strip() and not after.lstrip().startswith(b"#")
        self._edit(start, end, b"\n" if blank else b"")

