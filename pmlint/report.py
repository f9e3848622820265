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
    seconds: float = 0.0

    def sort(self) -> None:
        self.findings.sort()
        self.tables.sort(key=lambda t: (t.location, t.name))
        self.errors.sort(key=lambda e: (e["path"], e["message"]))
