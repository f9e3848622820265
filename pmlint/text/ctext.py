"""C source as text: what the parser's model does not record (for the fixes,
the cache's local headers and the #if lines the parse cannot evaluate).

Comments and literals are blanked out first (same length, newlines kept), so
offsets into the masked text are offsets into the source, and a directive,
brace or name inside a comment is never seen.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

_NOT_CODE = re.compile(rb"/\*.*?(?:\*/|\Z)|//(?:[^\n\\]|\\.)*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'",
                       re.S)
_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(\w+)((?:[^\n\\]|\\.)*)\n?", re.M | re.S)
IDENT = re.compile(rb"\b[A-Za-z_]\w*\b")
_ITEM_STOP = re.compile(rb"[;{#]")
_DIRECTIVE_LINE = re.compile(rb"^[ \t]*#(?:[^\n\\]|\\.)*\n", re.M | re.S)
TAB = 8
# A quoted include is the only kind the parser can find (it runs with -nostdinc).
# Not anchored at line starts (^ with re.M is 10x slower): include_names checks that.
_LOCAL_INCLUDE = re.compile(rb'#[ \t]*include[ \t]*"([^"\n]+)"')


_BLANK = bytes(10 if i == 10 else 32 for i in range(256))


def blank(text: bytes) -> bytes:
    """The same length of spaces, newlines kept."""
    return text.translate(_BLANK)


def mask(source: bytes) -> bytes:
    """Comments and string/char literals as blanks (newlines kept)."""
    return _NOT_CODE.sub(lambda m: blank(m.group()), source)


def offset(source: bytes, line: int, column: int) -> int:
    """Byte offset of a 1-based line and (byte) column."""
    start = 0
    for _ in range(line - 1):
        start = source.index(b"\n", start) + 1
    return start + column - 1


def line_start(text: bytes, at: int) -> int:
    return text.rfind(b"\n", 0, at) + 1


def line_end(text: bytes, at: int) -> int:
    """Offset just past the newline ending the line at `at`."""
    end = text.find(b"\n", at)
    return len(text) if end < 0 else end + 1


def width(text: bytes) -> int:
    """Display width of one line, tabs at every 8 columns."""
    col = 0
    for ch in text.decode("utf-8", "replace"):
        col = (col // TAB + 1) * TAB if ch == "\t" else col + 1
    return col


def indent_to(column: int) -> bytes:
    """Kernel continuation indent: tabs, then spaces up to `column`."""
    return b"\t" * (column // TAB) + b" " * (column % TAB)


_BRACKET = re.compile(rb"[(){}\[\]]")


def closing(masked: bytes, at: int) -> int:
    """Offset of the bracket closing the one at `at` ('(' or '{'), or -1."""
    depth = 0
    for m in _BRACKET.finditer(masked, at):
        if m.group() in b"({[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.start()
    return -1


def split_outside(text: str, sep: str = ",") -> list[str]:
    """`text` (an expression or a call's arguments, as written) split at each
    `sep` outside brackets: the arguments at `,`, a condition's parts at
    `&&`."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            out.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    return out + [text[start:]]


def split_args(masked: bytes, open_at: int, close_at: int) -> list[tuple[int, int]]:
    """(start, end) of each top-level argument between two parentheses."""
    out, depth, start = [], 0, open_at + 1
    for i in range(open_at + 1, close_at):
        c = masked[i:i + 1]
        if c in b"([{":
            depth += 1
        elif c in b")]}":
            depth -= 1
        elif c == b"," and depth == 0:
            out.append((start, i))
            start = i + 1
    out.append((start, close_at))
    return out


@dataclass(frozen=True)
class Branch:
    """One branch of a conditional: its directive line and the text it governs."""

    kind: bytes       # if, ifdef, ifndef, elif, else
    condition: bytes  # the directive's text after its keyword
    start: int        # the directive line
    body: int         # first byte after the directive line
    end: int          # first byte of the next directive of the same conditional


@dataclass(frozen=True)
class Conditional:
    branches: tuple[Branch, ...]
    endif_end: int    # just past the #endif line

    @property
    def start(self) -> int:
        return self.branches[0].start


def conditionals(masked: bytes) -> list[Conditional]:
    """Every #if/#ifdef/#ifndef ... #endif of the text, outermost first."""
    out, stack = [], []
    for m in _DIRECTIVE.finditer(masked):
        word, rest = m.group(1), m.group(2).strip()
        if word in (b"if", b"ifdef", b"ifndef"):
            stack.append([(word, rest, m.start(), m.end())])
        elif word in (b"elif", b"else", b"elifdef", b"elifndef") and stack:
            stack[-1].append((word, rest, m.start(), m.end()))
        elif word == b"endif" and stack:
            parts = stack.pop()
            ends = [p[2] for p in parts[1:]] + [m.start()]
            out.append(Conditional(tuple(Branch(w, c, s, b, e) for (w, c, s, b), e in zip(parts, ends)),
                                   m.end()))
    return sorted(out, key=lambda c: c.start)


def enclosing(conds: list[Conditional], at: int) -> list[tuple[Conditional, int]]:
    """The (conditional, branch index) pairs whose bodies hold offset `at`, outermost first."""
    return [(c, i) for c in conds for i, b in enumerate(c.branches) if b.body <= at < b.end]


def directive_lines(masked: bytes, start: int, end: int) -> list[tuple[bytes, bytes]]:
    """(keyword, rest) of each preprocessor line in [start, end)."""
    return [(m.group(1), m.group(2).strip()) for m in _DIRECTIVE.finditer(masked, start, end)]


@dataclass(frozen=True)
class Item:
    """A top-level declaration or definition: its text span and the name before its '('."""

    start: int
    end: int
    name: str
    header: tuple[int, int]   # the part before '{' or ';'


def items(masked: bytes, start: int, end: int) -> list[Item] | None:
    """The function declarations and definitions in [start, end), or None if
    anything else is there (a directive, a variable, unbalanced text)."""
    out, pos = [], start
    while True:
        pos = _skip_blank(masked, pos, end)
        if pos >= end:
            return out
        if masked[pos:pos + 1] == b";":  # a stray ';' after a function body
            pos += 1
            continue
        item = item_at(masked, pos, end)
        if item is None:
            return None
        out.append(item)
        pos = item.end


def item_at(masked: bytes, pos: int, end: int) -> Item | None:
    """The function declaration or definition starting at `pos`, if that is what is there."""
    stop = _ITEM_STOP.search(masked, pos, end)
    if stop is None or stop.group() == b"#":
        return None
    header = masked[pos:stop.start()]
    name = re.match(rb"[\w\s*]*?\b([A-Za-z_]\w*)\s*\(", header)
    if name is None or b"=" in header:
        return None
    item_end = stop.end()
    if stop.group() == b"{":
        close = closing(masked, stop.start())
        if close < 0 or close >= end:
            return None
        item_end = close + 1
    return Item(pos, item_end, name.group(1).decode(), (pos, stop.start()))


def declarations(masked: bytes, name: str) -> list[Item]:
    """Every top-level declaration or definition of a function `name`."""
    out = []
    for m in re.finditer(rb"\b" + re.escape(name.encode()) + rb"\s*\(", masked):
        if masked.count(b"{", 0, m.start()) != masked.count(b"}", 0, m.start()):
            continue  # inside a body or an initializer
        start = _declaration_start(masked, m.start())
        if not re.fullmatch(rb"[\w\s*]*[\w*]\s*", masked[start:m.start()]):
            continue  # a call at file scope, e.g. a macro
        item = item_at(masked, start, len(masked))
        if item is not None and item.name == name:
            out.append(item)
    return out


def declared_names(masked: bytes, start: int, end: int) -> set[bytes]:
    """Names [start, end) declares, roughly: variables, struct members, functions,
    struct tags and macros; not parameters, nor anything in a function body."""
    text = bytearray(masked[start:end])
    # Blank function bodies, then parenthesized text (parameters, casts, array sizes).
    for m in reversed(list(re.finditer(rb"\)\s*\{", text))):
        close = closing(bytes(text), m.end() - 1)
        if close > 0:
            text[m.end():close] = b" " * (close - m.end())
    depth = 0
    for i, c in enumerate(text):
        if c == ord(")"):
            depth -= 1
        if depth > 0 and c != ord("\n"):
            text[i] = ord(" ")
        if c == ord("("):
            depth += 1
    names = set(re.findall(rb"\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*[;=,:({]", bytes(text)))
    names |= set(re.findall(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)", bytes(text), re.M))
    return names


def _declaration_start(masked: bytes, at: int) -> int:
    """After the ; { } or directive line that precedes offset `at`."""
    start = max(masked.rfind(c, 0, at) for c in (b";", b"{", b"}")) + 1
    for m in _DIRECTIVE_LINE.finditer(masked, start, at):
        start = m.end()
    return start


def _skip_blank(masked: bytes, pos: int, end: int) -> int:
    while pos < end and masked[pos:pos + 1].isspace():
        pos += 1
    return pos


def header_declares(path: str, name: str) -> bool:
    """Whether the header at `path` declares `name` outside any #if but its
    include guard (False if it cannot be read)."""
    try:
        with open(path, "rb") as f:
            masked = mask(f.read())
    except OSError:
        return False
    conds = conditionals(masked)
    guards = [c for c in conds if c.branches[0].kind == b"ifndef"
              and not masked[:c.start].strip() and not masked[c.endif_end:].strip()]
    return any(all(c in guards for c, _ in enclosing(conds, decl.start))
               for decl in declarations(masked, name))


def include_names(text: bytes) -> tuple[str, ...]:
    """The names of the file's quoted #includes, as written: where they lead
    depends on how the including file is named (pmlint.pipeline.cache), not on its bytes."""
    return tuple(os.fsdecode(name) for _, name in local_includes(text))


def local_includes(text: bytes) -> list[tuple[int, bytes]]:
    """(offset of the '#', name) of each quoted #include directive."""
    found = []
    for m in _LOCAL_INCLUDE.finditer(text):
        line = text.rfind(b"\n", 0, m.start()) + 1
        if not text[line:m.start()].strip(b" \t"):   # '#' first on its line: a directive
            found.append((m.start(), m.group(1)))
    return found
