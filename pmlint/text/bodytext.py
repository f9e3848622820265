"""What a function's body calls, read from the file's text.

The parser skips function bodies (parsing them would cost a second libclang
parse of most files), so the calls of the PM callbacks that the selected
rules judge, and of the functions they call, are read from the text: comments, literals and preprocessor lines
blanked, braces matched. A call through one of the function-like macros of
the file or of the local headers it includes (as the caller gives their
text) stands for the calls the macro's body makes, at the place it is used.
Both branches of an #if inside a body are read (docs/limits.md).
"""
from __future__ import annotations

import bisect
import dataclasses
import re
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

from pmlint.text import ctext, members, storetext
from pmlint.model import Assign, Body, Call, Entry, FileModel, Function, Guard, Link, Location, Store

# A call: a name, an opening parenthesis. (A leading \b, not a look-behind
# or an optional `->`, keeps the search fast.)
_CALL = re.compile(rb"\b([A-Za-z_]\w*)\s*\(")
_BRACE = re.compile(rb"[{}]")
_PAREN = re.compile(rb"[()]")
_NEWLINE = re.compile(rb"\n")
_NOT_CALLS = frozenset(w.encode() for w in (
    "if", "for", "while", "switch", "return", "sizeof", "typeof", "__typeof__", "__typeof",
    "_Generic", "do", "case", "defined", "__attribute__", "asm", "__asm__", "asm_inline",
    "alignof", "_Alignof", "__alignof__", "_Static_assert", "static_assert", "else"))
_NOT_CALL_NAMES = frozenset(w.decode() for w in _NOT_CALLS)
# A store to something that outlives the call: a member, an array element
# or a pointer's target (local variables do not count).
_STORE = re.compile(
    rb"(?:->|\.)\s*\w+\s*(?:\[[^\]\n]*\]\s*)*(?:[-+*/%|&^]|<<|>>)?=(?!=)"
    rb"|(?:\+\+|--)\s*\w+\s*(?:->|\.)|(?:->|\.)\s*\w+\s*(?:\+\+|--)"
    rb"|^\s*\*\s*\w+\s*=(?!=)", re.M)
# The body opens (after its declarations) by returning when a member of the
# driver's data says so: `if (!priv->active) return 0;`. Matched statement by
# statement (each pattern is linear): one pattern over all the declarations
# would backtrack exponentially.
_DECLARATION = re.compile(rb"\s*(?:const\s+)?(?:struct\s+|unsigned\s+)?\w+[\s*]+\w+(?:\s*,[\s*]*\w+)*\s*(?:=[^;]*)?")
_GUARD = re.compile(rb"\s*if\s*\(\s*!?\s*[\w.>-]+(?:->|\.)\w+\s*\)\s*(?:\{\s*)?return\b")
_GUARD_SCAN = 32   # declarations looked past
_ERROR_RETURN = re.compile(rb"\breturn\s*\(?\s*-\s*E[A-Z0-9_]+")
# Led by '#', not '^', so that the search looks for the literal: in masked
# text a '#' is always in a directive.
_MACRO = re.compile(rb"#[ \t]*define[ \t]+(\w+)\(([^)\n]*)\)((?:[^\n\\]|\\.)*)", re.S)
_DIRECTIVE_LINE = re.compile(rb"#(?:[^\n\\]|\\.)*", re.S)
# A name and '(' at file scope, or a brace: what definitions() scans for.
_TOP = re.compile(rb"[{}]|\b([A-Za-z_]\w*)\s*\(")
_STATIC = re.compile(rb"\bstatic\b")
# An annotation after a definition's parameters: `__name`, with its `(...)`.
_ANNOTATION = re.compile(rb"__\w+\b\s*(\()?")
_ARGS_SHOWN = 120   # characters of a call's arguments kept (the vocabulary reads a few)
_MACRO_DEPTH = 8


def attach(model: FileModel, source: bytes, roots: Iterable[str],
           headers: Callable[[], Iterable[bytes]] = tuple) -> FileModel:
    """The model with the bodies of the functions `roots` and of the file's
    functions they call, directly or not, and the names the file calls;
    the model as it is when there are no roots (nothing is read, not even
    the texts of the local headers `headers` gives)."""
    todo = sorted(set(roots))
    if not todo:
        return model
    functions = {f.name: f for f in model.functions}
    reader = BodyReader(source, headers())
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        fn = functions.get(name)
        if name in seen or fn is None or fn.body_at is None:
            continue
        seen.add(name)
        body = reader.body(fn.body_at)
        if body is not None:
            functions[name] = dataclasses.replace(fn, body=body)
            todo.extend(c.name for c in body.calls if not c.indirect)
    through = {p for name in seen if functions[name].body is not None
               for s in functions[name].body.pointer_stores for p in s.pointers}
    read = sorted(name for name in seen if functions[name].body is not None)
    entries = tuple(Entry(member, fn, Location(model.path, *reader.line_col(at)))
                    for member, fn, at in members.function_members(reader.masked, read))
    return dataclasses.replace(model, functions=tuple(functions[f.name] for f in model.functions),
                               called=reader.called(),
                               pointers=storetext.origins(reader.masked, through),
                               entries=entries)


# Functions of other files read at most (nearest first): a driver whose
# probe reaches into a whole subsystem's library is read that far.
_LINKED_MOST = 300

# Where a name called from a file is defined in another: (path, its reader,
# offset of the name, offset of the body's '{', static, exported), or None.
Resolve = Callable[[str, str], "tuple[str, BodyReader, int, int, bool, bool] | None"]


class Neighbours(Protocol):
    """The files around the file read (pmlint.kernel.modulelinks.Linker):
    where a name it calls is defined (Resolve), and the texts of the local
    headers it includes."""

    def __call__(self, caller: str, name: str) -> "tuple[str, BodyReader, int, int, bool, bool] | None": ...

    def headers(self, path: str, source: bytes) -> list[bytes]: ...


def attach_linked(model: FileModel, roots: Iterable[str], resolve: Resolve) -> FileModel:
    """The model with `linked` and `links`: the functions of other files (as
    `resolve`, pmlint.kernel.modulelinks, finds them) that the bodies read
    from `roots` call, directly or through each other, with their bodies,
    and how each call resolved. The file's own bodies are attach()'s; a call
    from another file back into this one is not followed."""
    functions = {f.name: f for f in model.functions}
    linked: dict[tuple[str, str], Function] = {}
    links: dict[tuple[str, str], Link] = {}
    todo = deque((model.path, r) for r in sorted(set(roots)))
    seen: set[tuple[str, str]] = set()
    while todo and len(linked) < _LINKED_MOST:
        caller, name = todo.popleft()
        if (caller, name) in seen:
            continue
        seen.add((caller, name))
        own = functions.get(name)
        if caller == model.path and own is not None and own.body_at is not None:
            if own.body is not None:
                todo.extend((caller, c.name) for c in own.body.calls if not c.indirect)
            continue
        found = resolve(caller, name)
        if found is None or found[0] == model.path:
            continue
        path, reader, name_at, brace, static, exported = found
        links[(caller, name)] = Link(caller, name, path, exported)
        if (path, name) in linked:
            continue
        body = reader.body(brace)
        if body is None:
            continue
        linked[(path, name)] = Function(name, Location(path, *reader.line_col(name_at)),
                                        defined=True, static=static, body=body)
        todo.extend((path, c.name) for c in body.calls if not c.indirect)
    return dataclasses.replace(model, linked=tuple(linked.values()), links=tuple(links.values()))


class BodyReader:
    """One file's text, ready to read any of its function bodies; the texts
    of the local headers it includes, in the order they are included, give
    macros too (a later definition, the file's last, replaces an earlier one
    of the same name, as a redefinition does, unless it makes no call)."""

    def __init__(self, source: bytes, headers: Iterable[bytes] = ()):
        # name -> the calls of its body, as _calls_in gives them
        self.macros: dict[str, list] = {}
        self.params: dict[str, list[str]] = {}
        for header in headers:
            self._define(ctext.mask(header))
        masked = ctext.mask(source)
        self._define(masked)
        self.masked = _DIRECTIVE_LINE.sub(lambda m: ctext.blank(m.group()), masked)
        self._newlines: list[int] | None = None

    def _define(self, masked: bytes) -> None:
        for m in _MACRO.finditer(masked):
            name, calls = m.group(1).decode(), list(self._calls_in(m.group(3).replace(b"\\\n", b" \n")))
            # Both branches of an #if count, as in a body: a stub for another
            # configuration (`#else #define SMC_outb(v, a, r)`) does not
            # replace a definition that makes calls.
            if calls or not self.macros.get(name):
                self.macros[name] = calls
                self.params[name] = [p.strip() for p in m.group(2).decode("utf-8", "replace").split(",")]

    def line_col(self, at: int, base: tuple[int, int] | None = None) -> tuple[int, int]:
        """Line and column of an offset: counted on from (offset, line) `base`
        before it (calls in one body), else from the file's newline offsets,
        found once (bodies are read in any order)."""
        if base is not None:
            line = base[1] + self.masked.count(b"\n", base[0], at)
        else:
            if self._newlines is None:
                self._newlines = [m.start() for m in _NEWLINE.finditer(self.masked)]
            line = bisect.bisect_left(self._newlines, at) + 1
        return line, at - self.masked.rfind(b"\n", 0, at)

    @staticmethod
    def _calls_in(text: bytes, start: int = 0, end: int | None = None):
        """(name, indirect, arguments, offset) of each call in text[start:end]."""
        end = len(text) if end is None else end
        for m in _CALL.finditer(text, start, end):
            name = m.group(1)
            if name in _NOT_CALLS:
                continue
            before = text[max(0, m.start() - 8):m.start()].rstrip(b" \t")
            indirect = before.endswith(b"->") or before.endswith(b".")
            depth, close = 0, min(end, m.end() + 4 * _ARGS_SHOWN)
            for p in _PAREN.finditer(text, m.end() - 1, close):
                depth += 1 if p.group() == b"(" else -1
                if depth == 0:
                    close = p.start()
                    break
            args = b" ".join(text[m.end():close].split())[:_ARGS_SHOWN]
            yield name.decode(), indirect, args.decode("utf-8", "replace"), m.start()

    def body(self, brace: int) -> Body | None:
        """The body whose '{' is at offset `brace`, or None when its '}' is not found."""
        depth, close = 0, -1
        for m in _BRACE.finditer(self.masked, brace):
            depth += 1 if m.group() == b"{" else -1
            if depth == 0:
                close = m.start()
                break
        if close < 0:
            return None
        calls = []
        first = self.line_col(brace)[0]
        base = (brace, first)
        for name, indirect, args, at in self._calls_in(self.masked, brace, close):
            line, column = self.line_col(at, base)
            base = (at, line)
            calls.extend(self._expand(name, indirect, args, line, column, "", 0))
        last = self.line_col(close, base)[0]
        stores = []
        base = (brace, first)
        for target, pointers, value, expr, at in storetext.stores_in(self.masked, brace, close):
            line, column = self.line_col(at, base)
            base = (at, line)
            stores.append(Store(target, line, column, pointers, self._called(value), expr))
        assigns = []
        base = (brace, first)
        for name, expr, at in storetext.assignments_in(self.masked, brace, close):
            line, _ = self.line_col(at, base)
            base = (at, line)
            assigns.append(Assign(name, line, expr))
        guards = []
        base = (brace, first)
        for condition, at, end, leaves in storetext.guards_in(self.masked, brace, close):
            line, column = self.line_col(at, base)
            base = (at, line)
            guards.append(Guard(condition, line, self.line_col(end, base)[0], column, leaves))
        text = self.masked[brace:close + 1]
        return Body(tuple(calls), first, last,
                    stores=_STORE.search(text) is not None,
                    returns_error=_ERROR_RETURN.search(text) is not None,
                    guarded=_guarded(text), pointer_stores=tuple(stores), assigns=tuple(assigns),
                    guards=tuple(guards))

    def definitions(self) -> dict[str, tuple[int, int, bool]]:
        """Name -> (offset of the name, of its body's '{', static) of each
        function the text defines at file scope."""
        text, out, depth, pos = self.masked, {}, 0, 0
        while (m := _TOP.search(text, pos)) is not None:
            pos = m.end()
            if m.group(1) is None:
                depth += 1 if m.group() == b"{" else -1
                continue
            if depth:
                continue
            close = ctext.closing(text, m.end() - 1)
            if close < 0:
                break
            brace = pos = _past_annotations(text, close + 1)
            if text[brace:brace + 1] == b"{":
                start = max(text.rfind(b";", 0, m.start()), text.rfind(b"}", 0, m.start())) + 1
                out.setdefault(m.group(1).decode(), (m.start(), brace,
                                                      _STATIC.search(text, start, m.start()) is not None))
        return out

    def called(self) -> tuple[str, ...]:
        """Every name the file's code calls directly, outside directives, sorted."""
        return tuple(sorted({n.decode() for n in _CALL.findall(self.masked)} - _NOT_CALL_NAMES))

    def _called(self, name: str) -> str:
        """The call a call of `name` is to the compiler: through the file's
        macros whose replacement is one call (`channel_readl(c, CFG)` is
        `__raw_readl(...)`), else `name`."""
        for _ in range(_MACRO_DEPTH):
            inner = self.macros.get(name)
            if not inner or len(inner) != 1 or inner[0][1]:
                break
            name = inner[0][0]
        return name

    def _expand(self, name, indirect, args, line, column, through, depth):
        if indirect or name not in self.macros or depth >= _MACRO_DEPTH:
            return [Call(name, line, column, args=args, indirect=indirect, through=through)]
        out = []
        for inner, inner_indirect, inner_args, _ in self.macros[name]:
            out.extend(self._expand(inner, inner_indirect, _substitute(inner_args, self.params[name], args),
                                    line, column, through or name, depth + 1))
        return out


_PASTE = re.compile(r"\s*##\s*")
_WORD = re.compile(r"\b[A-Za-z_]\w*\b")


def _substitute(text: str, params: list[str], args: str) -> str:
    """A macro's replacement text with its parameters replaced by the
    arguments of the call being expanded, and `a ## b` pasted, as the
    preprocessor would (`ATC_##name##_OFFSET` with name CFG is
    ATC_CFG_OFFSET); a call with fewer arguments than parameters (the
    arguments were cut at _ARGS_SHOWN) leaves the text as written."""
    values = [a.strip() for a in ctext.split_outside(args)] if args.strip() else []
    if params and params[-1] == "...":
        params = params[:-1] + ["__VA_ARGS__"]
        values = values[:len(params) - 1] + [", ".join(values[len(params) - 1:])]
    if len(values) != len([p for p in params if p]):
        return text
    bound = dict(zip(params, values))
    out = _WORD.sub(lambda m: bound.get(m.group(), m.group()), text)
    return _PASTE.sub("", out)


def _skip_blank(text: bytes, pos: int) -> int:
    while pos < len(text) and text[pos] in b" \t\r\n":
        pos += 1
    return pos


def _past_annotations(text: bytes, pos: int) -> int:
    """The offset past the blanks and the annotations that may follow a
    definition's parameters (`__releases(x)`, `__attribute__((nonnull))`,
    `__acquires(x)`), where its body's '{' would be."""
    while True:
        pos = _skip_blank(text, pos)
        m = _ANNOTATION.match(text, pos)
        if m is None:
            return pos
        pos = m.end()
        if m.group(1):
            close = ctext.closing(text, pos - 1)
            if close < 0:
                return pos
            pos = close + 1


def _guarded(body: bytes) -> bool:
    """The body (from its '{') opens, after its declarations, with a guard."""
    pos = 1
    for _ in range(_GUARD_SCAN):
        if _GUARD.match(body, pos):
            return True
        end = body.find(b";", pos)
        if end < 0 or not _DECLARATION.fullmatch(body, pos, end):
            return False
        pos = end + 1
    return False
