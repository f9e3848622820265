"""Output formats: each module has render(report) -> str; the CLI picks one by name."""
from __future__ import annotations

from importlib import import_module

# --format name -> module in this package
FORMATS = {
    "text": "text",
    "json": "jsonout",
    "sarif": "sarif",
    "github": "github",
    "checkpatch": "checkpatch",
    "codeclimate": "codeclimate",
}


def render(fmt: str, report) -> str:
    return import_module(f"pmlint.formatters.{FORMATS[fmt]}").render(report)
