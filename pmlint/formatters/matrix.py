"""`pmlint show`: each table as the Xen save/restore sequence it implements."""
from __future__ import annotations

from pmlint.kernel import pmcore
from pmlint.model import PmTable

_BROKEN = "!"   # marks a missing member whose partner at the same phase is set


def render_table(table: PmTable) -> str:
    have = table.slot_map
    head = (f"{table.location.path}:{table.location.line}: {table.name}"
            f" ({table.defined_by}{', const' if table.const else ''})")
    phases = ["down: main", "late", "noirq", "| up: noirq", "early", "main"]
    rows = [["sequence"] + phases]
    for label, down, up in pmcore.SEQUENCES:
        cells = []
        for i, member in enumerate(pmcore.sequence_columns(down, up)):
            partner = (pmcore.SIDES[up] if i < 3 else pmcore.SIDES[down])[i if i < 3 else 5 - i]
            if member in have:
                cells.append(have[member])
            else:
                cells.append(_BROKEN if partner in have else "-")
        cells[3] = "| " + cells[3]
        rows.append([f"{down} -> {up}: {label}"] + cells)
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = [head]
    out += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    extra = [f"{m}={have[m]}" for m in ("prepare", "complete", "runtime_suspend",
                                        "runtime_resume", "runtime_idle") if m in have]
    out.append("  other: " + (", ".join(extra) if extra else "-"))
    return "\n".join(out) + "\n"


def render(tables: list[PmTable]) -> str:
    if not tables:
        return "no dev_pm_ops tables found\n"
    return "\n".join(render_table(t) for t in tables)
