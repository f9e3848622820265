"""What a C expression, as the file writes it (blanks folded), names: the
members it takes (`p->m`, `s.m`), and the parts of a condition that must
all hold. Shared by the checks that read conditions and stores
(pmlint.rules.checks.running, firmware, kept_state, saved_state, registers)."""
from __future__ import annotations

import re

from pmlint.text import ctext

# A member taken by `->` or `.`: `udc->driver`, `priv->ch[k].enabled`.
MEMBER = re.compile(r"(?:->|\.)\s*(\w+)")
# A path to a member, from a name: `fsl_chan->srcid`, `mux->chans[i].srcid`
# (group 1 the last member).
MEMBER_PATH = r"[A-Za-z_]\w*(?:\s*(?:->|\.)\s*\w+|\[[^\]]*\])*\s*(?:->|\.)\s*(\w+)"
# The member an expression ends at, elements aside: `regs->r[i]` is r.
LAST_MEMBER = re.compile(r"(?:->|\.)\s*(\w+)(?:\[[^\]]*\])*$")
_OPEN, _CLOSE = "([{", ")]}"


def _bare(text: str) -> str:
    """Blanks folded, the parentheses around the whole taken off."""
    text = " ".join(text.split())
    while text.startswith("(") and text.endswith(")") and balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def balanced(text: str) -> bool:
    """No bracket of `text` closes one it did not open, and all are closed."""
    depth = 0
    for c in text:
        depth += (c in _OPEN) - (c in _CLOSE)
        if depth < 0:
            return False
    return depth == 0


def conjuncts(condition: str) -> list[str]:
    """The parts a condition joins by `&&` at its top level, each bare: every
    one holds whenever the condition does. None where a top-level `||`
    joins parts (no part need hold then): []."""
    condition = _bare(condition)
    if len(ctext.split_outside(condition, "||")) > 1:
        return []
    return [_bare(p) for p in ctext.split_outside(condition, "&&")]
