"""What a kernel tree's Kconfig files say each symbol cannot be on without,
read as Documentation/kbuild/kconfig-language.rst has the language.

The files are those Kconfig reads: the top one, then each `source` (from
the tree's top; `rsource` from the file's directory; a `$(SRCARCH)` or other
variable in the path stands for every directory it can name, so every
architecture). An entry's dependencies are its `depends on` lines and those
of the `if` blocks and the `menu` and `choice` blocks it is in, in its own
file or around the `source` that read it. What they need (`needs`): every
operand of `&&`; of `||`, only what both sides need; under `!`, what the
negated expression cannot be false without (tristate `!A` holds with A=m, so
`!A` needs nothing, `!!A` needs A); `A=y`, `A=m`, `A!=n` need A. A plain
`select` of the entry is a need too: the symbol selected is on whenever the
entry is. A select sets a symbol whatever the symbol depends on (Kconfig
warns of unmet dependencies, and the build goes on), so each select of a
symbol is another way it can be on: what is certain is what every way
brings (Tree.certain). Not needs: `select ... if` and `imply` (weak), the
`if` of a prompt or a default, defaults (a select or the user overrides
them), and anything not parsed: each can only make pmlint claim less. A
symbol declared more than once (or in a file read from more than one place)
needs only what every declaration needs.
"""
from __future__ import annotations

import collections
import glob
import os
import re

_TOKEN = re.compile(r"""\s*(?:(&&|\|\||!=|<=|>=|[!()=<>])|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
                    r"""|([A-Za-z0-9_]+)|(\$\())""")
_CONSTANTS = {"y", "m", "n"}
# A statement's keyword and the rest; not a macro's assignment (if-success = ...).
_KEYWORD = re.compile(r"^\s*(---help---|[a-z][a-z_]*)(?:\s+(.*?))?\s*$")
_SOURCE = re.compile(r'^"((?:[^"\\]|\\.)*)"$')
_ENDS_ENTRY = {"config", "menuconfig", "choice", "endchoice", "menu", "endmenu", "if", "endif",
               "source", "rsource", "osource", "orsource", "comment", "mainmenu"}
_SYMBOL = re.compile(r"[A-Za-z0-9_]+")
_DEPENDS = re.compile(r"on\b\s*(.*)$")
_SELECT = re.compile(r"([A-Za-z0-9_]+)(?:\s+if\b\s*(.*))?$")
_VARIABLE = re.compile(r"\$\([^)]*\)")


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                if text[pos:].strip():
                    raise ValueError(text[pos:])
                break
            op, quoted, word, macro = m.groups()
            if macro:   # $(...), nested parentheses and all: a value unknown here
                depth, pos = 1, m.end()
                while depth and pos < len(text):
                    depth += {"(": 1, ")": -1}.get(text[pos], 0)
                    pos += 1
                if depth:
                    raise ValueError(text)
                self.items.append(("value", ""))
                continue
            self.items.append(("op", op) if op else ("value", quoted[1:-1]) if quoted
                              else ("value", word) if word in _CONSTANTS else ("symbol", word))
            pos = m.end()
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.at += 1
            return True
        return False


# An expression as parsed: ("sym", A), ("value", v) (y, m, n, a quoted or $(...) value),
# ("and", l, r), ("or", l, r), ("not", x), ("cmp", op, A, v) (a symbol against a value).
Node = tuple
Needs = tuple[frozenset[str], frozenset[str]]   # needed if true, needed if false
_NOTHING: Needs = (frozenset(), frozenset())
_ON_IF_TRUE = {("=", "y"), ("=", "m"), ("!=", "n")}    # comparisons that need their symbol
_ON_IF_FALSE = {("=", "n"), ("!=", "y"), ("!=", "m")}   # ... when false (a comparison is y or n)


def parse(expression: str) -> Node | None:
    """The expression's tree, or None if it does not parse."""
    try:
        tokens = _Tokens(expression)
        node = _or(tokens)
        if tokens.peek() is not None:
            raise ValueError(expression)
        return node
    except (ValueError, IndexError):
        return None


def needs(expression: str | Node | None) -> frozenset[str]:
    """The symbols an expression cannot hold without (none if it does not parse)."""
    node = parse(expression) if isinstance(expression, str) else expression
    return _needs(node)[0] if node is not None else frozenset()


def _needs(node: Node) -> Needs:
    kind = node[0]
    if kind == "sym":
        return frozenset((node[1],)), frozenset()
    if kind in ("and", "or"):
        left, right = _needs(node[1]), _needs(node[2])
        if kind == "and":
            return left[0] | right[0], left[1] & right[1]
        return left[0] & right[0], left[1] | right[1]
    if kind == "not":
        true, false = _needs(node[1])
        return false, true
    if kind == "cmp":
        on = frozenset((node[2],))
        if node[1::2] in _ON_IF_TRUE:
            return on, frozenset()
        if node[1::2] in _ON_IF_FALSE:
            return frozenset(), on
    return _NOTHING


def holds(node: Node | None, on: frozenset[str], true: bool = True) -> bool:
    """Whether the expression is certainly true (or, with true=False, certainly
    false) when the symbols `on` are on and nothing is known of the others."""
    if node is None:
        return False
    kind = node[0]
    if kind == "sym":
        return true and node[1] in on
    if kind == "value":
        return node[1] in (("y", "m") if true else ("n", "m"))   # !m is m: true
    if kind == "not":
        return holds(node[1], on, not true)
    if kind in ("and", "or"):
        both = (kind == "and") == true   # !(a && b) is !a || !b
        left, right = holds(node[1], on, true), holds(node[2], on, true)
        return (left and right) if both else (left or right)
    if kind == "cmp":
        return node[2] in on and node[1::2] == (("!=", "n") if true else ("=", "n"))
    return False


def _or(tokens: _Tokens) -> Node:
    node = _and(tokens)
    while tokens.take("||"):
        node = ("or", node, _and(tokens))
    return node


def _and(tokens: _Tokens) -> Node:
    node = _not(tokens)
    while tokens.take("&&"):
        node = ("and", node, _not(tokens))
    return node


def _not(tokens: _Tokens) -> Node:
    if tokens.take("!"):
        return ("not", _not(tokens))
    return _comparison(tokens)


def _comparison(tokens: _Tokens) -> Node:
    if tokens.take("("):
        node = _or(tokens)
        if not tokens.take(")"):
            raise ValueError("(")
        return node
    left = _operand(tokens)
    nxt = tokens.peek()
    if nxt is None or nxt[0] != "op" or nxt[1] not in ("=", "!=", "<", ">", "<=", ">="):
        return ("sym", left[1]) if left[0] == "symbol" else ("value", left[1])
    tokens.at += 1
    right = _operand(tokens)
    if left[0] != "symbol":
        left, right = right, left
    if left[0] != "symbol" or right[0] == "symbol":
        return ("value", "")   # two symbols, or two values: unknown here
    return ("cmp", nxt[1], left[1], right[1])


def _operand(tokens: _Tokens) -> tuple[str, str]:
    token = tokens.peek()
    if token is None or token[0] == "op":
        raise ValueError(token)
    tokens.at += 1
    return token


def logical_lines(text: str) -> list[str]:
    """The statement lines of a Kconfig file: continuations joined, help texts
    and comments dropped (a help text ends at its first line indented less
    than its first)."""
    out: list[str] = []
    help_indent = None   # in a help text: None before its first line, then its indent
    in_help = False
    for line in text.replace("\\\n", " ").splitlines():
        if in_help:
            if not line.strip():
                continue
            indent = len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())
            if help_indent is None:
                help_indent = indent
                continue
            if indent >= help_indent:
                continue
            in_help = False
        line = _uncommented(line)
        m = _KEYWORD.match(line)
        if m and m.group(1) in ("help", "---help---") and not m.group(2):
            in_help, help_indent = True, None
            continue
        if line.strip():
            out.append(line)
    return out


def _uncommented(line: str) -> str:
    """The line before an unquoted #."""
    if "#" not in line:
        return line
    if '"' not in line and "'" not in line:
        return line[:line.index("#")]
    quote, i = None, 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            return line[:i]
        i += 1
    return line


class _Declaration:
    """One declaration of a symbol (or a menu's or choice's own lines): its
    dependencies (`depends on` and the blocks around it), parsed, what they
    need, and its plain selects."""

    def __init__(self, around: tuple[set[str], list]) -> None:
        self.needs, self.conditions = set(around[0]), list(around[1])
        self.selects: set[str] = set()

    def depends(self, expression: str) -> None:
        node = parse(expression)
        self.needs |= needs(node)
        self.conditions.append(node)

    def met(self, on: frozenset[str]) -> bool:
        """Whether its dependencies certainly hold with the symbols `on` on."""
        return all(holds(c, on) for c in self.conditions)


class TreeReader:
    """How a Tree reads a tree's files: as they are (the pipeline's
    kconfigstore.Reading also notes which, to keep the reading between runs)."""

    def __init__(self, root: str) -> None:
        self.root = root

    def text(self, path: str) -> str | None:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return None

    def glob(self, pattern: str) -> list[str]:
        return sorted(glob.glob(pattern))


class Tree:
    """Every declaration of every symbol and every select, read from the top
    Kconfig file through each source with reading (a TreeReader)."""

    def __init__(self, root: str, reading) -> None:
        self.root = root
        self.reading = reading
        self.declared: dict[str, list[_Declaration]] = {}
        self.selected: dict[str, set[frozenset[str]]] = {}   # each select: selector and its if's needs
        self._lines: dict[str, list[str] | None] = {}
        self._reading: set[str] = set()   # the files being read: a source loop reads none again

    def certain(self) -> dict[str, frozenset[str]]:
        """Symbol -> every other symbol on whenever it is (only symbols that have any).

        A symbol is on with one of its declarations' dependencies met (then
        what they need and what it selects are on), or set by a select (then
        the selector and what the select's `if` needs are on; and if what those
        bring certainly meets a declaration's dependencies, what it selects).
        What is certain is what every way brings, worked out from nothing up
        until nothing changes: every step is a consequence of the last, so
        the end is never more than holds.
        """
        self.read(os.path.join(self.root, "Kconfig"), (set(), []))
        found = {symbol: frozenset((symbol,)) for symbol in self.declared}
        reads = {symbol: set().union(*(d.needs | d.selects for d in declarations),
                                     *self.selected.get(symbol, ())) & found.keys()
                 for symbol, declarations in self.declared.items()}
        readers: dict[str, list[str]] = {}
        for symbol, names in reads.items():
            for name in names:
                readers.setdefault(name, []).append(symbol)

        def brought(names) -> frozenset[str]:
            return frozenset(names).union(*(found[n] for n in names if n in found))

        # Each symbol after what it reads (loops aside), then again whenever that grows.
        todo = collections.deque(_after_what_they_read(reads))
        waiting = set(todo)
        while todo:
            symbol = todo.popleft()
            waiting.discard(symbol)
            declarations = self.declared[symbol]
            now = frozenset.intersection(*(brought(d.needs | d.selects) for d in declarations))
            for select in self.selected.get(symbol, ()) if now else ():
                way = brought(select)
                met = [d.selects for d in declarations if d.needs <= way and d.met(way)]
                now &= way.union(*map(brought, met))
                if not now:
                    break
            now |= {symbol}
            if now != found[symbol]:
                found[symbol] = now
                for reader in readers.get(symbol, ()):
                    if reader not in waiting:
                        waiting.add(reader)
                        todo.append(reader)
        return {symbol: on - {symbol} for symbol, on in found.items() if len(on) > 1}

    def read(self, path: str, around: tuple[set[str], list]) -> None:
        """Read a file whose every entry needs `around` (the blocks around its source)."""
        if path not in self._lines:
            text = self.reading.text(path)
            self._lines[path] = None if text is None else logical_lines(text)
        lines = self._lines[path]
        if lines is None or path in self._reading:
            return
        self._reading.add(path)
        try:
            self._statements(path, lines, around)
        finally:
            self._reading.discard(path)

    def _statements(self, path: str, lines: list[str], around: tuple[set[str], list]) -> None:
        blocks = [around]   # each open if, menu and choice block: what it needs, its conditions
        opened = None       # the menu or choice whose own `depends on` lines may follow
        entry = None        # the declaration being read
        name = ""           # and its symbol
        for line in lines:
            m = _KEYWORD.match(line)
            if not m:
                continue
            word, rest = m.group(1), m.group(2) or ""
            if word in _ENDS_ENTRY:
                entry = opened = None
                if word in ("config", "menuconfig") and _SYMBOL.fullmatch(rest):
                    entry, name = _Declaration(_joined(blocks)), rest
                    self.declared.setdefault(rest, []).append(entry)
                elif word in ("menu", "choice"):
                    opened = _Declaration((set(), []))
                    blocks.append((opened.needs, opened.conditions))
                elif word == "if":
                    node = parse(rest)
                    blocks.append((set(needs(node)), [node]))
                elif word in ("endmenu", "endchoice", "endif"):
                    if len(blocks) > 1:
                        blocks.pop()
                elif word.endswith("source"):
                    self._source(path, word, rest, _joined(blocks))
            elif word == "depends" and (d := _DEPENDS.match(rest)):
                # The menu's or choice's own (entry None): every entry inside has them.
                target = entry if entry is not None else opened
                if target is not None:
                    target.depends(d.group(1))
            elif word == "select" and entry is not None and (selected := _SELECT.match(rest)):
                symbol, condition = selected.groups()
                if condition is None:
                    entry.selects.add(symbol)
                self.selected.setdefault(symbol, set()).add(
                    frozenset((name, *(needs(condition) if condition else ()))))

    def _source(self, path: str, word: str, rest: str, around: tuple[set[str], list]) -> None:
        m = _SOURCE.match(rest)
        if not m:
            return
        base = os.path.dirname(path) if word in ("rsource", "orsource") else self.root
        name = os.path.normpath(os.path.join(base, m.group(1)))
        if "$(" in name or any(c in name for c in "*?["):
            paths = self.reading.glob(_VARIABLE.sub("*", name))
        else:
            paths = [name]
        for found in paths:
            self.read(found, around)


def _joined(blocks: list[tuple[set[str], list]]) -> tuple[set[str], list]:
    """What the blocks around an entry need together, and their conditions."""
    return set().union(*(b[0] for b in blocks)), [c for b in blocks for c in b[1]]


def _after_what_they_read(reads: dict[str, set[str]]) -> list[str]:
    """The symbols, each after those it reads where no loop prevents it (depth first)."""
    order, seen = [], set()
    for start in sorted(reads):
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(sorted(reads[start])))]
        while stack:
            symbol, names = stack[-1]
            for name in names:
                if name not in seen:
                    seen.add(name)
                    stack.append((name, iter(sorted(reads[name]))))
                    break
            else:
                stack.pop()
                order.append(symbol)
    return order
