"""Functions that drive the PM core (PM4xx), reduced statement by statement
to Steps: control flow, dpm_* calls, PMSG_ messages.
"""
from __future__ import annotations

import dataclasses
import re

from clang import cindex

from pmlint.frontend.clang import CK, _children
from pmlint.frontend.initializers import _Initializers
from pmlint.model import PmSequence, Step

# Calls that start a PM transition step; a function making one with a
# PMSG_* message is modelled statement by statement.
SUSPEND_STEPS = ("dpm_prepare", "dpm_suspend_start", "dpm_suspend", "dpm_suspend_end",
                 "dpm_suspend_late", "dpm_suspend_noirq")
_PM_CORE_CALL = re.compile(rb"\bdpm_(?:prepare|suspend)")
_PMSG = re.compile(r"PMSG_[A-Z]+")


# Storage classes of a local variable that is not indeterminate until set.
_NOT_AUTOMATIC = (cindex.StorageClass.STATIC, cindex.StorageClass.EXTERN)


class _SequenceBuilder:
    """Reduce a function body to Steps: control flow, dpm_* calls, messages."""

    def __init__(self, extractor: _Initializers):
        self.x = extractor

    def sequence(self, fn) -> PmSequence | None:
        body = next((c for c in _children(fn) if c.kind == CK.COMPOUND_STMT), None)
        if body is None or not self._drives_pm_core(body):
            return None
        return PmSequence(fn.spelling, self.x._loc(fn), self._block(body))

    def _drives_pm_core(self, node) -> bool:
        for c in node.walk_preorder():
            if c.kind == CK.CALL_EXPR and c.spelling in SUSPEND_STEPS:
                args = list(c.get_arguments())
                if args and any(m.startswith("PMSG_") for m in self._messages(args[0])):
                    return True
        return False

    def _block(self, node) -> tuple[Step, ...]:
        out: list[Step] = []
        for c in _children(node):
            out += self._stmt(c)
        return tuple(out)

    def _one(self, node) -> tuple[Step, ...]:
        return self._block(node) if node.kind == CK.COMPOUND_STMT else tuple(self._stmt(node))

    def _stmt(self, c) -> list[Step]:
        k, line = c.kind, c.location.line
        kids = _children(c)
        if k == CK.COMPOUND_STMT:
            return [Step("block", line, body=self._block(c))]
        if k == CK.IF_STMT:
            cond, then = kids[0], kids[1]
            pre, test = self._condition(cond)
            orelse = self._one(kids[2]) if len(kids) > 2 else ()
            return pre + [Step("if", line, cond=test, body=self._one(then), orelse=orelse)]
        if k in (CK.WHILE_STMT, CK.FOR_STMT, CK.DO_STMT):
            body = kids[0] if k == CK.DO_STMT else kids[-1]
            return [Step("loop", line, name="do" if k == CK.DO_STMT else "", body=self._one(body))]
        if k == CK.SWITCH_STMT:
            return [Step("switch", line, body=self._one(kids[-1]))]
        if k in (CK.CASE_STMT, CK.DEFAULT_STMT):
            return [Step("case", line)] + (self._stmt(kids[-1]) if kids else [])
        if k == CK.LABEL_STMT:
            return [Step("label", line, name=c.spelling)] + (self._stmt(kids[-1]) if kids else [])
        if k == CK.GOTO_STMT:
            target = next((t.spelling for t in _children(c) if t.kind == CK.LABEL_REF), "")
            return [Step("goto", line, name=target)]
        if k == CK.RETURN_STMT:
            return self._calls(c) + [Step("return", line)]
        if k == CK.BREAK_STMT:
            return [Step("break", line)]
        if k == CK.CONTINUE_STMT:
            return [Step("continue", line)]
        if k == CK.DECL_STMT:
            out = []
            for var in kids:
                init = [v for v in _children(var) if v.kind != CK.TYPE_REF]
                if var.kind == CK.VAR_DECL and init:
                    out += self._assignment(var.spelling, init[-1], line)
                elif var.kind == CK.VAR_DECL and var.storage_class not in _NOT_AUTOMATIC:
                    out.append(Step("declare", line, name=var.spelling))
            return out
        if k == CK.BINARY_OPERATOR and self._operator(c) == "=" and len(kids) == 2:
            lhs = self._unwrap(kids[0])
            name = self._text(lhs) if lhs.kind in (CK.DECL_REF_EXPR, CK.MEMBER_REF_EXPR) else ""
            return self._assignment(name, kids[1], line)
        return self._calls(c)

    def _assignment(self, var: str, value, line: int) -> list[Step]:
        node = self._unwrap(value)
        if node.kind == CK.CALL_EXPR:
            inner = self._calls(node)
            return inner[:-1] + [dataclasses.replace(inner[-1], result=var)] if inner else []
        msgs = self._messages(value)
        if msgs:
            return [Step("assign", line, name=var, messages=msgs, reads=self._reads(value))]
        return self._calls(value) + [Step("assign", line, name=var, reads=self._reads(value))]

    def _calls(self, node) -> list[Step]:
        """The calls in an expression, innermost first, as the program runs them;
        before them an assign of unknown value to each variable the
        expression may set otherwise (&x passed on, x++, x += ...)."""
        out, taken = [], []
        for c in node.walk_preorder():
            if c.kind == CK.CALL_EXPR and c.spelling:
                args = list(c.get_arguments())
                msgs, reads = (), ()
                if c.spelling.startswith("dpm_") and args:
                    msgs, reads = self._messages(args[0]), self._reads(args[0])
                out.append(Step("call", c.location.line, name=c.spelling, messages=msgs, reads=reads))
            elif c.kind in (CK.UNARY_OPERATOR, CK.COMPOUND_ASSIGNMENT_OPERATOR):
                if (root := self._modified(c)) and root not in taken:
                    taken.append(root)
        return [Step("assign", node.location.line, name=r) for r in taken] + out[::-1]

    def _modified(self, node) -> str:
        """The variable `&x`, `x++`, `--x` or `x op= ...` may set ("" if none)."""
        if node.kind == CK.UNARY_OPERATOR:
            tokens = [t.spelling for t in node.get_tokens()]
            if not tokens or not (tokens[0] in ("&", "++", "--") or tokens[-1] in ("++", "--")):
                return ""
        kids = _children(node)
        target = self._unwrap(kids[0]) if kids else None
        while target is not None and target.kind in (CK.MEMBER_REF_EXPR, CK.ARRAY_SUBSCRIPT_EXPR):
            inner = _children(target)
            target = self._unwrap(inner[0]) if inner else None
        return target.spelling if target is not None and target.kind == CK.DECL_REF_EXPR else ""

    def _reads(self, node) -> tuple[str, ...]:
        """The variables and members an expression reads, as written (their
        tokens), outermost first; not those whose address it takes."""
        out: list[str] = []

        def visit(n) -> None:
            n = self._unwrap(n)
            if n.kind == CK.DECL_REF_EXPR:
                out.append(n.spelling)
                return
            if n.kind == CK.MEMBER_REF_EXPR:
                out.append(self._text(n))
                return
            if n.kind == CK.UNARY_OPERATOR and self._text(n).startswith("&"):
                return
            for k in _children(n):
                visit(k)
        visit(node)
        return tuple(dict.fromkeys(out))

    def _condition(self, cond) -> tuple[list[Step], tuple]:
        """Steps run while evaluating a condition, and what it tests."""
        node, sense = self._unwrap(cond), True
        while node.kind == CK.UNARY_OPERATOR and self._text(node).startswith("!"):
            node, sense = self._unwrap(_children(node)[0]), not sense
        if node.kind == CK.BINARY_OPERATOR:
            op = self._operator(node)
            lhs, rhs = [self._unwrap(k) for k in _children(node)]
            if op in ("!=", "<", "==") and self._text(rhs) == "0":
                node, sense = lhs, sense if op != "==" else not sense
        if node.kind == CK.CALL_EXPR:
            calls = self._calls(node)
            calls[-1] = dataclasses.replace(calls[-1], result="$cond")
            return calls, ("var", "$cond", sense)
        if node.kind == CK.DECL_REF_EXPR:
            return [], ("var", node.spelling, sense)
        return self._calls(cond), ("text", self._text(cond))

    def _messages(self, node) -> tuple[str, ...]:
        """PMSG_ values an argument can have: both arms of ?:, a variable as var:NAME."""
        node = self._unwrap(node)
        if node.kind == CK.CONDITIONAL_OPERATOR:
            _, yes, no = _children(node)[:3]
            return tuple(dict.fromkeys(self._messages(yes) + self._messages(no)))
        word = self.x._word_at(self.x._loc(node))
        if _PMSG.fullmatch(word):
            return (word,)
        if node.kind == CK.DECL_REF_EXPR:
            return (f"var:{node.spelling}",)
        return ()

    @staticmethod
    def _unwrap(node):
        while node.kind in (CK.UNEXPOSED_EXPR, CK.PAREN_EXPR):
            kids = _children(node)
            if len(kids) != 1:
                break
            node = kids[0]
        return node

    @staticmethod
    def _text(node) -> str:
        return " ".join(t.spelling for t in node.get_tokens())

    @staticmethod
    def _operator(node) -> str:
        """A binary operator's spelling: the first token after the left operand."""
        lhs = _children(node)[0]
        end = lhs.extent.end.offset
        for t in node.get_tokens():
            if t.extent.start.offset >= end:
                return t.spelling
        return ""
