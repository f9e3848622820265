"""What a browser would take for markup in a report page."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

TEMPLATE_TAGS = frozenset(re.findall(
    r"<([a-z][a-z0-9]*)", (resources.files("pmlint") / "templates" / "report.html.j2").read_text()))
# Attributes that run code or load something.
_ACTIVE = re.compile(r"on\w+|src|srcdoc|href|action|formaction")


class _StartTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, [name for name, _ in attrs]))


def start_tags(page: str) -> list[tuple[str, list[str]]]:
    """(tag, attribute names) of every start tag, as an HTML parser reads the page."""
    parser = _StartTags()
    parser.feed(page)
    return parser.found


def unsafe_markup(page: str) -> list[str]:
    """Tags the report's template does not write, and attributes that run or load something."""
    out = []
    for tag, attrs in start_tags(page):
        if tag not in TEMPLATE_TAGS:
            out.append(f"<{tag}>")
        out += [f"<{tag} {a}=...>" for a in attrs if _ACTIVE.fullmatch(a)]
    return out
