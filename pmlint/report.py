"""What a run produced, as handed to the formatters."""
from __future__ import annotations

from dataclasses import dataclass, field

from pmlint.model import Finding, PmTable


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    tables: list[PmTable] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)   # {"path", "message"}: usage-level problems
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # files with findings
    format_options: dict = field(default_factory=dict)  # e.g. {"terse": True} for checkpatch
    files: int = 0
    not_analysed: int = 0   # files that got a PM000: what pmlint could not see
    in_baseline: int = 0    # findings left out because --baseline holds them
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """What the run looked at and found: the summary line, JSON's "summary"."""
        return {"files": self.files, "tables": sum(t.defined for t in self.tables),
                "findings": len(self.findings), "not_analysed": self.not_analysed,
                "in_baseline": self.in_baseline, "errors": len(self.errors)}

    def summary(self) -> str:
        """One line, as ruff and clang-tidy end with: a blind run and a clean one differ."""
        c = self.counts()
        parts = [_count(c["files"], "file") + " checked", _count(c["tables"], "table"),
                 _count(c["findings"], "finding")
                 + (f" ({c['in_baseline']} more in the baseline)" if c["in_baseline"] else ""),
                 _count(c["not_analysed"], "file") + " not analysed"]
        if c["errors"]:
            parts.append(_count(c["errors"], "error"))
        return "pmlint: " + ", ".join(parts)

    def sort(self) -> None:
        self.findings.sort()
        self.tables.sort(key=lambda t: (t.location, t.name))
        self.errors.sort(key=lambda e: (e["path"], e["message"]))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
