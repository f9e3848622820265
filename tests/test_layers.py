"""The layers' import graph, read from every module's import statements (ast).

Data flows one way: source -> frontend (pmlint/frontend/, the only user of
libclang) -> model -> engine + rules' checks (rules/checks/, the package
pmlint.rules.checks) -> findings -> filters -> formatters; the pipeline
(pmlint/pipeline/) carries files through it, the fixes (pmlint/fixes/) plan
from the model and the text and parse again through the frontend, and the
command line (pmlint/cli/) sits on top. Beside the flow, two layers of
knowledge: text/ (C as text) and kernel/ (what the kernel is). So an import
points down that flow, never up it: the model imports nothing of pmlint;
text/ and kernel/ nothing but the model and each other (text/ not kernel/);
the frontend no check, engine, formatter, fix or pipeline; the checks and
the formatters no frontend (nothing they import, at any depth, does), and
the formatters no fix; nothing below the command line imports it. Imports
inside functions count as much as those at the top.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pmlint"


def _modules() -> dict[str, Path]:
    """Every module of pmlint by its dotted name (a package by its own); the
    checkout's rules/ is the package pmlint.rules."""
    out = {}
    for top, prefix in ((PACKAGE, ("pmlint",)), (ROOT / "rules", ("pmlint", "rules"))):
        for path in top.rglob("*.py"):
            parts = prefix + path.relative_to(top).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """What a module imports: pmlint's modules by name (`from pmlint import x`
    names pmlint.x when that is a module), others by their top-level name."""
    path, out = MODULES[name], set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name if a.name.startswith("pmlint") else a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[:len(package.split(".")) - node.level + 1], base]).rstrip(".")
            if not base.startswith("pmlint"):
                out.add(base.split(".")[0])
                continue
            out |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return out


GRAPH = {name: _imports(name) for name in MODULES}


def _closure(name: str) -> set[str]:
    """Every pmlint module a module imports, directly or through others."""
    seen, todo = set(), [name]
    while todo:
        for dep in GRAPH[todo.pop()]:
            if dep in MODULES and dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def _in(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".")


def test_the_graph_sees_the_layers():
    assert {"pmlint.frontend.clang", "pmlint.fixes.plan", "pmlint.formatters.text",
            "pmlint.rules.checks.registry", "pmlint.text.ctext", "pmlint.kernel.pmcore",
            "pmlint.pipeline.runner", "pmlint.cli.main", "pmlint.model"} <= set(MODULES)
    assert "pmlint.rules.checks.registry" in GRAPH["pmlint.rules.checks.tables"]
    assert "clang" in GRAPH["pmlint.frontend.clang"]
    assert "pmlint.fixes.planbase" in GRAPH["pmlint.fixes.plan"]
    assert "pmlint.fixes.layout" in GRAPH["pmlint.fixes.planbase"]


def test_only_the_frontend_imports_clang():
    assert sorted(n for n, deps in GRAPH.items() if "clang" in deps and not _in(n, "pmlint.frontend")) == []


def test_the_model_imports_nothing_of_pmlint():
    assert sorted(d for d in GRAPH["pmlint.model"] if _in(d, "pmlint")) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _in(n, "pmlint.formatters")))
def test_a_formatter_reaches_no_frontend_and_no_fix(name):
    assert sorted(d for d in _closure(name) if _in(d, "pmlint.frontend") or _in(d, "pmlint.fixes")) == []


@pytest.mark.parametrize("name", ["pmlint.engine", *sorted(n for n in MODULES if _in(n, "pmlint.rules"))])
def test_the_rules_checks_reach_no_frontend(name):
    assert sorted(d for d in _closure(name) if _in(d, "pmlint.frontend")) == []


def test_the_frontend_imports_nothing_downstream():
    downstream = ("pmlint.rules", "pmlint.engine", "pmlint.catalogue", "pmlint.filters",
                  "pmlint.report", "pmlint.formatters", "pmlint.fixes", "pmlint.pipeline",
                  "pmlint.patch", "pmlint.cli")
    found = sorted(f"{n} -> {d}" for n, deps in GRAPH.items() if _in(n, "pmlint.frontend")
                   for d in deps if any(_in(d, layer) for layer in downstream))
    assert found == []


def _reaches(name: str, allowed: tuple[str, ...]) -> list[str]:
    return sorted(f"{name} -> {d}" for d in GRAPH[name]
                  if _in(d, "pmlint") and d != "pmlint" and not any(_in(d, a) for a in allowed))


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _in(n, "pmlint.text")))
def test_the_text_layer_imports_only_the_model_and_itself(name):
    assert _reaches(name, ("pmlint.model", "pmlint.text")) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _in(n, "pmlint.kernel")))
def test_the_kernel_layer_imports_only_the_model_the_text_and_itself(name):
    assert _reaches(name, ("pmlint.model", "pmlint.text", "pmlint.kernel")) == []


def test_the_pipeline_imports_no_mode_above_it():
    above = ("pmlint.cli", "pmlint.patch", "pmlint.fixes", "pmlint.formatters")
    assert sorted(f"{n} -> {d}" for n, deps in GRAPH.items() if _in(n, "pmlint.pipeline")
                  for d in deps if any(_in(d, a) for a in above)) == []


def test_only_the_command_line_imports_the_command_line():
    assert sorted(f"{n} -> {d}" for n, deps in GRAPH.items()
                  if not _in(n, "pmlint.cli") and n != "pmlint.__main__"
                  for d in deps if _in(d, "pmlint.cli")) == []
