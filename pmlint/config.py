"""Project configuration: [tool.pmlint] in pyproject.toml, or .pmlint.toml.

Found by walking up from the first scanned path. Every key and rule ID is
checked: a typo is an error (exit 2) naming it, never silently ignored.

    [tool.pmlint]
    select = ["PM1"]
    ignore = ["PM106"]
    exclude = ["drivers/staging/*"]
    severity = { PM103 = "error" }
    per-file-ignores = { "drivers/legacy/*.c" = ["PM103"] }
    kernel-version = "5.4..6.12"   # as --kernel-version
    vary-options = false           # as --no-vary-options (--vary-options overrides)

    [tool.pmlint.effects]          # the project's own helpers (docs/effects.md)
    neutral = ["foo_log"]
    reads = ["foo_read_reg"]
    down = { foo_hw_stop = "dma" }
    up = { foo_hw_start = "dma" }
"""
from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, field

from pmlint.kernel import kversion
from pmlint.catalogue import SEVERITIES, Rule

KEYS = ("select", "ignore", "exclude", "severity", "per-file-ignores", "effects", "kernel-version",
        "vary-options")
EFFECT_KEYS = ("neutral", "reads", "down", "up", "pointer-reads", "pointer-writes")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    source: str = ""              # the file it came from ("" when none)
    root: str = "."               # patterns are relative to the file's folder
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    severity: dict = field(default_factory=dict)
    per_file_ignores: dict = field(default_factory=dict)
    effects: dict = field(default_factory=dict)   # additions to pmlint.kernel.effects' vocabulary
    kernel_version: tuple = ()    # (first, last) versions, as pmlint.kernel.kversion.parse gives them
    vary_options: bool | None = None   # a driver's own options both ways (None: not said)

    def relative(self, path: str) -> str:
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return rel.replace(os.sep, "/")

    def excluded(self, path: str) -> bool:
        if not self.exclude:   # the usual case: no path arithmetic for each of a tree's files
            return False
        rel = self.relative(path)
        return any(fnmatch.fnmatch(rel, pat) for pat in self.exclude)

    def ignored_here(self, path: str, rule_id: str) -> bool:
        if not self.per_file_ignores:
            return False
        rel = self.relative(path)
        return any(fnmatch.fnmatch(rel, pat) and any(rule_id.startswith(p) for p in ids)
                   for pat, ids in self.per_file_ignores.items())


def find(paths: list[str]) -> str | None:
    start = os.path.abspath(paths[0] if paths and paths[0] != "-" else ".")
    folder = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        for name in (".pmlint.toml", "pyproject.toml"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and _has_section(candidate, name):
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _has_section(path: str, name: str) -> bool:
    if name == ".pmlint.toml":
        return True
    try:
        with open(path, "rb") as f:
            tool = tomllib.load(f).get("tool", {})
            return isinstance(tool, dict) and "pmlint" in tool
    except OSError:
        return False
    except tomllib.TOMLDecodeError:
        return True  # broken: let load() say so rather than silently skip it


def load(path: str, rules: tuple[Rule, ...]) -> Config:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("pmlint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.pmlint] must be a table")
    ids = [r.id for r in rules]

    def where(key: str) -> str:
        return f"{path}: {key}"

    def rule_list(key: str, value) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where(key)} must be a list of rule IDs or prefixes")
        for v in value:
            if not v or not any(i.startswith(v.upper()) for i in ids):  # "" would match all
                raise ConfigError(f"{where(key)}: unknown rule ID or prefix {v!r}")
        return tuple(v.upper() for v in value)

    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(KEYS)})")
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(v, str) for v in exclude):
        raise ConfigError(f"{where('exclude')} must be a list of glob patterns")
    severity = data.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where('severity')} must be a table of ID = severity")
    for rid, sev in severity.items():
        if rid not in ids:
            raise ConfigError(f"{where('severity')}: unknown rule ID {rid!r}")
        if sev not in SEVERITIES:
            raise ConfigError(f"{where('severity')}: {rid} = {sev!r}, not one of {', '.join(SEVERITIES)}")
    pfi = data.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where('per-file-ignores')} must be a table of glob = [IDs]")
    effects = _effects(data.get("effects", {}), where("effects"))
    kernel = ()
    if "kernel-version" in data:
        try:
            kernel = kversion.parse(data["kernel-version"])
        except kversion.VersionError as exc:
            raise ConfigError(f"{where('kernel-version')}: {exc}") from None
    vary = data.get("vary-options")
    if vary is not None and not isinstance(vary, bool):
        raise ConfigError(f"{where('vary-options')} must be true or false, not {vary!r}")
    return Config(source=path, root=os.path.dirname(os.path.abspath(path)), effects=effects,
                  kernel_version=kernel, vary_options=vary,
                  select=rule_list("select", data.get("select", [])),
                  ignore=rule_list("ignore", data.get("ignore", [])),
                  exclude=tuple(exclude), severity=dict(severity),
                  per_file_ignores={pat: rule_list(f"per-file-ignores.{pat}", v)
                                    for pat, v in pfi.items()})


def _effects(data, where: str) -> dict:
    """[effects]: lists of call names (neutral, reads) and of pointer members
    (pointer-reads, pointer-writes), tables of call = class (down, up)."""
    from pmlint.kernel import effects
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(data) - set(EFFECT_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(EFFECT_KEYS)})")
    for key in ("neutral", "reads", "pointer-reads", "pointer-writes"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where}.{key} must be a list of function names")
    for key in ("down", "up"):
        value = data.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{where}.{key} must be a table of function = class")
    try:
        effects.vocabulary().extended(data)
    except effects.VocabularyError as exc:
        raise ConfigError(f"{where.rpartition(': ')[0]}: {exc}") from None
    return dict(data)
