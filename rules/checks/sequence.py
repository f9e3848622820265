"""Follow every path through a function that drives the PM core (PM4xx).

A function's Steps are compiled to a small flow graph and walked depth-first
with a symbolic state: the suspend steps in effect (a stack), what is known
of variables holding a step's result, the PMSG_ values held in message
variables, conditions already decided on this path (the same test taken
twice is taken the same way), and the local variables not set yet. Every
(node, state) is visited once, so loops and gotos terminate.

The PM core's contract on failure (drivers/base/power/main.c):
dpm_prepare, dpm_suspend and so dpm_suspend_start leave their work in place
when they fail, so the caller must still undo them; dpm_suspend_late,
dpm_suspend_noirq and so dpm_suspend_end undo themselves on failure, so the
caller must then skip their resume step.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

from pmlint.model import PmSequence, Step

UNDO = {
    "dpm_prepare": "dpm_complete", "dpm_suspend_start": "dpm_resume_end",
    "dpm_suspend": "dpm_resume", "dpm_suspend_end": "dpm_resume_start",
    "dpm_suspend_late": "dpm_resume_early", "dpm_suspend_noirq": "dpm_resume_noirq",
}
SELF_UNDOING = {"dpm_suspend_end", "dpm_suspend_late", "dpm_suspend_noirq"}
RESUME_STEPS = {v: k for k, v in UNDO.items()}

# Which message may undo which (include/linux/pm.h, PM_EVENT_*).
FOLLOWS = {
    "PMSG_FREEZE": {"PMSG_THAW", "PMSG_RESTORE", "PMSG_RECOVER"},
    "PMSG_QUIESCE": {"PMSG_RECOVER", "PMSG_RESTORE"},
    "PMSG_HIBERNATE": {"PMSG_RESTORE"},
    "PMSG_SUSPEND": {"PMSG_RESUME"},
}

_MAX_STATES = 200_000


@dataclass(frozen=True)
class Issue:
    kind: str          # "not-undone", "message", "order", "undefined"
    line: int          # where to report it
    detail: str
    path: tuple[int, ...]   # lines of the dpm_* calls and branches taken


@dataclass(frozen=True)
class _Open:
    step: str
    line: int
    messages: tuple[str, ...]


# -- compile Steps to instructions ---------------------------------------

class _Compiler:
    def __init__(self):
        self.code: list[list] = []     # [op, line, ...]
        self.labels: dict[str, int] = {}
        self.loops: list[tuple[int, list[int]]] = []   # (continue target, break fixups)

    def emit(self, *ins) -> int:
        self.code.append(list(ins))
        return len(self.code) - 1

    def block(self, steps) -> None:
        for s in steps:
            self.step(s)

    def step(self, s: Step) -> None:
        if s.kind == "block":
            self.block(s.body)
        elif s.kind == "if":
            br = self.emit("branch", s.line, s.cond, None, None)
            self.code[br][3] = len(self.code)
            self.block(s.body)
            jump = self.emit("jump", s.line, None)
            self.code[br][4] = len(self.code)
            self.block(s.orelse)
            self.code[jump][2] = len(self.code)
        elif s.kind in ("loop", "switch"):
            head = len(self.code)
            # A loop body runs zero or more times (a do-loop at least once);
            # a switch enters at any case or skips.
            br = self.emit("fork", s.line, [head + 1])
            self.loops.append((head, []))
            start = len(self.code)
            self.block(s.body)
            if s.kind == "loop":
                self.emit("jump", s.line, head)
            _, breaks = self.loops.pop()
            end = len(self.code)
            cases = [i for i in range(start, end) if self.code[i][0] == "case"]
            targets = cases if s.kind == "switch" else [start]
            self.code[br][2] = targets + ([] if s.name == "do" else [end])
            for b in breaks:
                self.code[b][2] = end
        elif s.kind == "case":
            self.emit("case", s.line)
        elif s.kind == "break" and self.loops:
            self.loops[-1][1].append(self.emit("jump", s.line, None))
        elif s.kind == "continue" and self.loops:
            self.emit("jump", s.line, self.loops[-1][0])
        elif s.kind == "label":
            self.labels[s.name] = self.emit("nop", s.line)
        elif s.kind == "goto":
            self.emit("goto", s.line, s.name)
        elif s.kind == "return":
            self.emit("return", s.line)
        elif s.kind in ("call", "assign", "declare"):
            self.emit(s.kind, s.line, s)

    def finish(self, end_line: int) -> list[list]:
        self.emit("return", end_line)
        for ins in self.code:
            if ins[0] == "goto":
                ins[:] = ["jump", ins[1], self.labels.get(ins[2], len(self.code) - 1)]
        return self.code


# -- walk ------------------------------------------------------------------

@dataclass(frozen=True)
class _State:
    stack: tuple[_Open, ...] = ()
    results: frozenset = frozenset()    # (variable, "ok" | "failed")
    messages: frozenset = frozenset()   # (variable, PMSG_ values)
    decided: frozenset = frozenset()    # (condition text, taken)
    unset: frozenset = frozenset()      # local variables (and members) not set on this path
    partial: frozenset = frozenset()    # members set of a variable in unset

    def with_result(self, var: str, outcome: str | None) -> "_State":
        """`var` now holds a step's outcome (or something unknown): forget old tests of it."""
        results = frozenset(r for r in self.results if r[0] != var)
        if var and outcome:
            results |= {(var, outcome)}
        decided = frozenset(d for d in self.decided if d[0] != var)
        return dataclasses.replace(self, results=results, decided=decided)

    def decide(self, key: str, truth: bool) -> "_State":
        decided = frozenset(d for d in self.decided if d[0] != key) | {(key, truth)}
        return dataclasses.replace(self, decided=decided)

    def declared(self, var: str) -> "_State":
        """A local variable declared without an initializer: indeterminate."""
        return dataclasses.replace(
            self, unset=frozenset(k for k in self.unset if _root(k) != var) | {var},
            partial=frozenset(k for k in self.partial if _root(k) != var))

    def assigned(self, name: str, reads: tuple[str, ...] = ()) -> "_State":
        """`name` (a variable or a member) is set; from a value that reads
        something not set, it stays not set."""
        key = _key(name)
        if not key or not self.unset:   # the usual case: nothing to track
            return self
        root = _root(key)
        unset, partial = self.unset - {key}, self.partial
        if key == root:
            unset = frozenset(k for k in unset if _root(k) != root)
            partial = frozenset(k for k in partial if _root(k) != root)
        elif root in unset:
            partial |= {key}
        if any(self.undefined(r) for r in reads):
            unset |= {key}
        return dataclasses.replace(self, unset=unset, partial=partial)

    def undefined(self, name: str) -> bool:
        """Whether reading `name` reads what nothing has set on this path."""
        key = _key(name)
        if key in self.unset:
            return True
        return _root(key) in self.unset and not any(
            key == p or key.startswith(p + ".") for p in self.partial)


def _key(name: str) -> str:
    """A variable or member as the walk knows it: "si . cancelled" is si.cancelled, p->x is p.x."""
    return re.sub(r"\s+", "", name).replace("->", ".")


def _root(key: str) -> str:
    return re.split(r"[.\[]", key, maxsplit=1)[0]


def _resolve(messages: tuple[str, ...], state: _State) -> tuple[str, ...] | None:
    """Concrete PMSG_ values, or None when one comes from somewhere unknown."""
    held = dict(state.messages)
    out: list[str] = []
    for m in messages:
        if m.startswith("var:"):
            if m[4:] not in held:
                return None
            out += held[m[4:]]
        else:
            out.append(m)
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=64)
def analyse(seq: PmSequence) -> tuple[Issue, ...]:
    comp = _Compiler()
    comp.block(seq.body)
    last = max([seq.location.line] + [ins[1] for ins in comp.code])
    code = comp.finish(last)
    issues: dict[tuple, Issue] = {}

    def report(kind: str, line: int, detail: str, path: tuple[int, ...]) -> None:
        issues.setdefault((kind, line, detail), Issue(kind, line, detail, path))

    seen: set = set()
    # (pc, state, path, failed): path, the lines of the dpm_* calls and
    # branches taken; failed, the suspend steps that failed on it, whose
    # results the program tests (one path per state: a witness).
    work = [(0, _State(), (), ())]
    while work and len(seen) < _MAX_STATES:
        pc, state, path, failed = work.pop()
        if (pc, state) in seen:
            continue
        seen.add((pc, state))
        op, line = code[pc][0], code[pc][1]
        if op == "return":
            for o in state.stack:
                report("not-undone", o.line, f"{o.step}() at line {o.line} is not undone by "
                       f"{UNDO[o.step]}() before the function returns at line {line}",
                       path + (line,))
            continue
        if op == "jump":
            work.append((code[pc][2], state, path, failed))
        elif op == "fork":
            work += [(t, state, path, failed) for t in code[pc][2]]
        elif op == "branch":
            cond, yes, no = code[pc][2], code[pc][3], code[pc][4]
            for truth in _truths(cond, state):
                taken = truth if cond[0] == "text" else truth == cond[2]
                work.append((yes if taken else no, state.decide(cond[1], truth), path + (line,),
                             failed))
        elif op == "assign":
            s: Step = code[pc][2]
            kept = frozenset(m for m in state.messages if m[0] != s.name)
            msgs = _resolve(s.messages, state) if s.messages else None
            if msgs:
                kept |= {(s.name, msgs)}
            nxt = dataclasses.replace(state, messages=kept).assigned(s.name, s.reads)
            work.append((pc + 1, nxt.with_result(s.name, None), path, failed))
        elif op == "declare":
            work.append((pc + 1, state.declared(code[pc][2].name), path, failed))
        elif op == "call":
            work += _call(code[pc][2], state, path, failed, pc, report)
        else:
            work.append((pc + 1, state, path, failed))
    return tuple(sorted(issues.values(), key=lambda i: (i.line, i.kind, i.detail)))


def _truths(cond: tuple, state: _State) -> tuple[bool, ...]:
    """Whether the tested value can be true (non-zero) on this path: a step's
    failure is a non-zero result, and a test already decided stays decided."""
    if cond[0] == "var":
        known = dict(state.results).get(cond[1])
        if known:
            return (known == "failed",)
    decided = dict(state.decided)
    if cond[1] in decided:
        return (decided[cond[1]],)
    return (True, False)


def _call(s: Step, state: _State, path, failed, pc: int, report) -> list:
    line = s.line
    if s.result and s.result != "$cond":
        state = state.assigned(s.result)
    if s.name in UNDO:
        # The step may succeed or fail; the program tells the two apart
        # through the variable its result went to.
        opened = _Open(s.name, line, s.messages)
        ok = dataclasses.replace(state, stack=state.stack + (opened,))
        down = ok if s.name not in SELF_UNDOING else state
        return [(pc + 1, ok.with_result(s.result, "ok"), path + (line,), failed),
                (pc + 1, down.with_result(s.result, "failed"), path + (line,),
                 failed + ((s.name, line),) if s.result else failed)]
    if s.name in RESUME_STEPS:
        wanted = RESUME_STEPS[s.name]
        stack = list(state.stack)
        index = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].step == wanted), None)
        if index is None:
            report("not-undone", line, f"{s.name}() at line {line} runs although {wanted}() is "
                   "not in effect on this path (it failed and undid itself, or never ran)",
                   path + (line,))
        else:
            opened = stack.pop(index)
            if index != len(stack):
                report("order", line, f"{s.name}() at line {line} runs before "
                       f"{UNDO[state.stack[-1].step]}() undoes {state.stack[-1].step}() "
                       f"(line {state.stack[-1].line}): resume steps must run in reverse order",
                       path + (line,))
            _check_messages(opened, s, state, path, report)
        _check_defined(s, state, path, failed, report)
        nxt = dataclasses.replace(state, stack=tuple(stack))
        return [(pc + 1, nxt.with_result(s.result, None), path + (line,), failed)]
    return [(pc + 1, state.with_result(s.result, None), path, failed)]


def _check_defined(s: Step, state: _State, path, failed, report) -> None:
    """The message of a resume step reads nothing that is not set on this path."""
    for name in s.reads:
        if state.undefined(name):
            key = _key(name)
            what = f"its message {key}" if f"var:{name}" in s.messages else f"a message chosen by {key}"
            where = (f"when {failed[-1][0]}() at line {failed[-1][1]} fails" if failed
                     else "on this path")
            report("undefined", s.line, f"{s.name}() at line {s.line} gets {what}, which is not "
                   f"set {where}", path + (s.line,))


def _check_messages(opened: _Open, s: Step, state: _State, path, report) -> None:
    down, up = _resolve(opened.messages, state), _resolve(s.messages, state)
    if not down or not up:
        return
    for d in down:
        bad = [u for u in up if d in FOLLOWS and u not in FOLLOWS[d]]
        if bad:
            report("message", s.line, f"{s.name}({' or '.join(bad)}) at line {s.line} cannot "
                   f"undo {opened.step}({d}) at line {opened.line}: {d} is undone by "
                   f"{', '.join(sorted(FOLLOWS[d]))}", path + (s.line,))
