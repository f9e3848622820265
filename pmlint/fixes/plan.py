"""Plan the mechanical fixes of one file: which text to change, and what the
tables must look like afterwards.

- PM201: SIMPLE_DEV_PM_OPS -> DEFINE_SIMPLE_DEV_PM_OPS and SET_*_PM_OPS ->
  *_PM_OPS. The new macros reference the callbacks in every configuration
  (through pm_sleep_ptr), so the callbacks must then exist with PM off: the
  #ifdef CONFIG_PM(_SLEEP) blocks around them go (with an #else that only
  defines them as NULL), and so does their __maybe_unused; the drivers'
  `.pm = &table` become pm_sleep_ptr(&table) or pm_ptr(&table). A table is
  converted only if every callback stays declared wherever the table is
  compiled, and a guard goes only if what it holds compiles with the option
  off (no call of a function pm.h #defines as NULL then); otherwise the table
  keeps its finding, with the reason.
- PM202: `const` on a static table that is only ever pointed at.
- PM103: `.suspend = a, .resume = b` (no other system-sleep member) ->
  SYSTEM_SLEEP_PM_OPS(a, b), and the pointers wrapped as PM201's.

Planning reads the parser's model (where tables, members, drivers and
functions are) and the source text (directives, extents, names in comments
are not in the model); pmlint.fixes.run applies and checks the plan. A table is
fixed only for the findings asked for, (rule, table, line) of each: those a
run kept after every filter, so that what a filter silences stays as it is.
"""
from __future__ import annotations

import re

from pmlint.text import ctext
from pmlint.fixes import wrapper
from pmlint.fixes.planbase import Edit, Expect, Plan, PlannerBase, Wanted, _Conversion  # noqa: F401 (Edit: run's API)
from pmlint.model import FileModel, PmTable


# pm.h's replacements for the deprecated macros that have a mechanical one.
REPLACEMENT = {
    "SIMPLE_DEV_PM_OPS": "DEFINE_SIMPLE_DEV_PM_OPS",
    "SET_SYSTEM_SLEEP_PM_OPS": "SYSTEM_SLEEP_PM_OPS",
    "SET_LATE_SYSTEM_SLEEP_PM_OPS": "LATE_SYSTEM_SLEEP_PM_OPS",
    "SET_NOIRQ_SYSTEM_SLEEP_PM_OPS": "NOIRQ_SYSTEM_SLEEP_PM_OPS",
    "SET_RUNTIME_PM_OPS": "RUNTIME_PM_OPS",
}
_SET_CALL = re.compile(rb"\b(SET_(?:LATE_|NOIRQ_)?SYSTEM_SLEEP_PM_OPS|SET_RUNTIME_PM_OPS)\s*\(")
_PLAIN_MEMBER = re.compile(rb"[ \t]*\.(suspend|resume)[ \t]*=[ \t]*&?[ \t]*(\w+)[ \t]*,?[ \t]*\n")
_STRUCT = re.compile(rb"\bstruct\s+dev_pm_ops\b")
_POINTED_AT = re.compile(rb"(?:\bpm\s*=|\bpm_ptr\s*\(|\bpm_sleep_ptr\s*\()\s*&\s*$")


def expectation(table: PmTable) -> Expect:
    return Expect(table.const, table.defined_by, tuple(sorted(table.slot_map.items())))


def plan(model: FileModel, source: bytes, wanted: Wanted) -> Plan:
    return _Planner(model, source, wanted).plan()


class _Planner(PlannerBase):
    def plan(self) -> Plan:
        tables = [t for t in self.model.tables if t.defined and t.complete]
        self.out.expect = {t.name: expectation(t) for t in tables}
        conversions = [c for t in tables if self._wants("PM201", t) for c in [self._conversion(t)] if c]
        if conversions:
            self._convert(conversions)
        for table in tables:
            if self._wants("PM202", table):
                self._add_const(table)
            if self._wants("PM103", table):
                self._sleep_macro(table)
        return self.out

    # -- PM201 --------------------------------------------------------
    def _conversion(self, table: PmTable) -> _Conversion | None:
        """The deprecated calls of a table, if all of them have a mechanical fix."""
        deprecated = {m for s in table.slots for m in s.macros if m in REPLACEMENT}
        if table.defined_by == "UNIVERSAL_DEV_PM_OPS":
            self._skip("PM201", table, "UNIVERSAL_DEV_PM_OPS has no mechanical replacement")
            return None
        at = self._at(table.location)
        if table.defined_by == "SIMPLE_DEV_PM_OPS":
            calls = [(at, "SIMPLE_DEV_PM_OPS")]
        elif table.defined_by == "designated-initializer":
            open_at = self.masked.find(b"{", at)
            close = ctext.closing(self.masked, open_at)
            calls = [(m.start(), m.group(1).decode())
                     for m in _SET_CALL.finditer(self.masked, open_at, close)]
            written = {self._at(s.location) for s in table.slots if s.via in REPLACEMENT}
            if any(s.via not in REPLACEMENT for s in table.slots if set(s.macros) & deprecated):
                self._skip("PM201", table, "a member is set through the driver's own macro")
                return None
            if not written <= {a for a, _ in calls}:
                self._skip("PM201", table, "a deprecated macro is not written in the table itself")
                return None
        else:
            if deprecated:
                self._skip("PM201", table, f"written with the driver's macro {table.defined_by}")
            return None
        if not calls:
            return None
        conv = _Conversion(table, calls)
        for start, _ in calls:
            open_at = self.masked.index(b"(", start)
            args = ctext.split_args(self.masked, open_at, ctext.closing(self.masked, open_at))
            skip_name = table.defined_by == "SIMPLE_DEV_PM_OPS"  # its first argument is the table
            for s, e in args[1:] if skip_name else args:
                word = self.masked[s:e].strip().decode()
                if re.fullmatch(r"[A-Za-z_]\w*", word) and word != "NULL":
                    conv.callbacks.setdefault(word, s)
        return conv

    def _convert(self, candidates: list[_Conversion]) -> None:
        """Drop candidates whose callbacks would vanish with PM off, until none does."""
        while True:
            removed = self._removable_guards(candidates)
            keep = []
            for conv in candidates:
                missing = [c for c in sorted(conv.callbacks) if not self._available(c, conv, removed)]
                if missing:
                    callbacks = {name for c in candidates for name in c.callbacks}
                    self._skip("PM201", conv.table, self._why_missing(missing[0], callbacks))
                else:
                    keep.append(conv)
            if len(keep) == len(candidates):
                break
            candidates = keep
        for conv in candidates:
            self._apply_conversion(conv)
        for cond in removed:
            self._remove_guard(cond)
        callbacks = {name for c in candidates for name in c.callbacks}
        for name in sorted(callbacks):
            self._drop_maybe_unused(name, candidates, removed)
        self.out.converted_callbacks |= callbacks

    def _why_missing(self, name: str, callbacks: set[str]) -> str:
        sites = self._sites(name)
        if not sites:
            return (f"callback {name}() is declared neither in this file nor unconditionally in a "
                    "header next to it: whether it exists with CONFIG_PM_SLEEP off is unknown")
        cond = next((c for c, i in ctext.enclosing(self.conds, sites[0]) if i == 0), None)
        line = self.source.count(b"\n", 0, cond.start if cond else sites[0]) + 1
        if cond is None or not self._is_pm_guard(cond):
            return f"callback {name}() is under the #if on line {line}, which is not CONFIG_PM(_SLEEP) alone"
        if cond.start in self.kept:
            return f"callback {name}() keeps the #if on line {line}: it {self.kept[cond.start]}"
        decls = ctext.items(self.masked, cond.branches[0].body, cond.branches[0].end)
        if decls is None or any(d.name not in callbacks for d in decls) or len(cond.branches) > 2:
            return f"callback {name}() shares the #if block on line {line} with other code"
        return (f"callback {name}() keeps the #if on line {line}: it is named outside the "
                "converted tables and PM-only code")

    def _apply_conversion(self, conv: _Conversion) -> None:
        table = conv.table
        for start, macro in conv.calls:
            self._rename_call(start, macro, REPLACEMENT[macro])
        if table.defined_by == "SIMPLE_DEV_PM_OPS":
            self._expect(table, defined_by="DEFINE_SIMPLE_DEV_PM_OPS")
        self._wrap_users(table)
        self.out.fixed.append(f"PM201 {table.name}")

    def _wrap_users(self, table: PmTable, skip_guarded: bool = False) -> None:
        """The drivers' pointers at a table whose callbacks the new macros keep
        referenced: wrapped, so that the compiler drops them with PM off (a
        pointer under the driver's own #ifdef CONFIG_PM is dropped already)."""
        wrap = wrapper.wrapper(self.masked, table)
        for use in table.uses:
            at = self._at(use)
            ptr = wrapper.wrapped(self.source, self.masked, at, table.name, wrap) or \
                wrapper.guarded_macro(self.source, self.masked, self.conds, at, table.name)
            if ptr is None or ptr.start in self.wrapped or (skip_guarded and self._in_pm_region(ptr.start)):
                continue
            self.wrapped.add(ptr.start)
            if self._fits(ptr.start, ptr.end, ptr.text):
                self._edit(ptr.start, ptr.end, ptr.text)
            else:
                self._skip("PM203", table, f"line {use.line} would be longer than 100 columns")

    def _drop_maybe_unused(self, name: str, candidates, removed) -> None:
        """__maybe_unused goes where a converted table that is compiled whenever
        the function is now references it."""
        gone = set(removed)
        users = [c.callbacks[name] for c in candidates if name in c.callbacks]
        for decl in ctext.declarations(self.masked, name):
            if not any(self._where(at) <= self._where(decl.start, gone) for at in users):
                continue
            hs, he = decl.header
            for m in re.finditer(rb"[ \t]*\b__maybe_unused\b[ \t]*", self.masked[hs:he]):
                s, e = hs + m.start(), hs + m.end()
                between = b" " if self.source[s - 1:s] not in (b"\n", b"") and e < he and \
                    self.source[e:e + 1] not in (b"\n", b"(") else b""
                self._edit(s, e, between)

    # -- PM202 --------------------------------------------------------
    def _add_const(self, table: PmTable) -> None:
        if table.const or table.defined_by != "designated-initializer":
            return
        if not table.static:
            self._skip("PM202", table, "not static: other files may declare it without const")
            return
        at = self._at(table.location)
        names = [m.start() for m in re.finditer(rb"\b" + table.name.encode() + rb"\b", self.masked)]
        if len(names) != len(table.uses) + 1:
            self._skip("PM202", table, "declared more than once")
            return
        for use in table.uses:
            u = self._at(use)
            if not _POINTED_AT.search(self.masked, ctext.line_start(self.masked, u), u):
                self._skip("PM202", table, f"used on line {use.line} other than as a pointer to const")
                return
        struct = None
        for struct in _STRUCT.finditer(self.masked, 0, at):
            pass
        if struct is None or self.masked.rfind(b";", struct.start(), at) >= 0:
            return
        if not self._fits(struct.start(), struct.start(), b"const "):
            self._skip("PM202", table, "the declaration would be longer than 100 columns")
            return
        self._edit(struct.start(), struct.start(), b"const ")
        self._expect(table, const=True)
        self.out.fixed.append(f"PM202 {table.name}")

    # -- PM103 --------------------------------------------------------
    def _sleep_macro(self, table: PmTable) -> None:
        have = {s.name: s for s in table.slots if not s.name.startswith("runtime_")}
        if set(have) != {"suspend", "resume"}:
            return
        if any(have[m].via != m for m in have):
            return
        spans = {}
        for member, slot in have.items():
            start = ctext.line_start(self.source, self._at(slot.location))
            end = ctext.line_end(self.source, start)
            m = _PLAIN_MEMBER.fullmatch(self.masked, start, end)
            if m is None or self.source[start:end] != self.masked[start:end] or \
                    m.group(2).decode() != slot.callback:
                self._skip("PM103", table, f"the .{member} line holds more than the member")
                return
            spans[member] = (start, end)
        (a, b) = sorted(spans.values())
        if ctext.directive_lines(self.masked, a[1], b[0]):
            self._skip("PM103", table, ".suspend and .resume are in different #if blocks")
            return
        suspend, resume = have["suspend"].callback, have["resume"].callback
        indent = re.match(rb"[ \t]*", self.source[a[0]:a[1]]).group()
        self._edit(a[0], a[1], indent + f"SYSTEM_SLEEP_PM_OPS({suspend}, {resume})\n".encode())
        self._edit(b[0], b[1], b"")
        slots = dict(self.out.expect[table.name].slots)
        slots.update(freeze=suspend, thaw=resume, poweroff=suspend, restore=resume)
        self._expect(table, slots=tuple(sorted(slots.items())))
        # SYSTEM_SLEEP_PM_OPS makes it a new-style table: unwrapped pointers would get a PM203.
        if not self._in_pm_region(a[0]):
            self._wrap_users(table, skip_guarded=True)
        self.out.fixed.append(f"PM103 {table.name}")
