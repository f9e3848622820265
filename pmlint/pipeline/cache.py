"""A persistent cache of per-file results, shared safely between runs.

An entry is keyed by everything a file's result depends on:

- pmlint itself: its version and the bytes of its code, prelude header and
  rule catalogue (an edited checkout keeps its version number), and the
  libclang library it loads;
- the run: the parse options (CONFIG_ options) and the rules selected;
- with `-p`, the file's real flags and the state of the object file its
  command writes (the build rewrites it when a header it used changes);
- when other configurations are parsed (PM204, PM205), what the kernel
  tree's Makefiles and Kconfig files say the file is never built without
  (pmlint.pipeline.inputs), as the parser is told it;
- the file: its path (findings carry it), its content, and the content of
  the local headers it includes. A quoted `#include "x.h"` is resolved the
  way the parser resolves it, relative to the including file's directory,
  recursively; a header that does not exist is part of the key too, so that
  creating it invalidates. This is decided from the text before parsing
  (every quoted include, even one under #if 0, which can only invalidate
  more often), so a lookup never needs a second step. Over a tree, a file
  or header the skip index knows unchanged is not read for its key: the
  index has its digest and the names it includes (pmlint.pipeline.skipindex).

What the analysis itself asked the tree (pmlint.kernel.buildneeds: the file's
Makefile needs and the Kconfig `depends on` of the options varied both ways,
pmlint.pipeline.optionscan and frontend.configurations; the digests of the
other files of a module that PM111 read, and of what their directory
exports, pmlint.kernel.modulelinks) is decided only by parsing,
so it is not in the key: the entry keeps each question and its answer, and
is a hit only while the tree answers them all the same (an edit elsewhere
in a Kconfig file changes nothing). The answers come from the Makefile,
read once per directory, and the tree's Kconfig files, read once per run
and kept between runs (pmlint.pipeline.kconfigstore).

An entry is a header line with the key, the SHA-256 and length of the
payload, then the payload as JSON, decoded only into pmlint's own model
types: a truncated, corrupt or foreign entry is a miss (and is rewritten),
never trusted, whoever else writes to the directory. Writes go to a
temporary file renamed over the entry, so concurrent runs can share a
directory. The source lines the reports show are not stored: for a hit
whose findings a report shows with their lines, the file is read for them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pmlint import __version__, model
from pmlint.pipeline.outfile import replace_atomically
from pmlint.pipeline.sourcefile import read_regular
from pmlint.text.ctext import include_names

_MAGIC = b"pmlint-cache 1"
_MODEL_TYPES = {name: cls for name, cls in vars(model).items()
                if isinstance(cls, type) and dataclasses.is_dataclass(cls)}


def default_dir() -> str:
    """$PMLINT_CACHE_DIR (what tests set, leaving other tools' caches alone), else the XDG place."""
    if os.environ.get("PMLINT_CACHE_DIR"):
        return os.environ["PMLINT_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pmlint")


def code_files() -> list[Path]:
    """Every file of pmlint a result depends on: the package's code, prelude
    and data, and the rules with their checks (beside the package in a
    checkout, inside it once installed)."""
    import pmlint
    found = set()
    for top in (Path(pmlint.__file__).resolve().parent, Path(str(resources.files("pmlint.rules"))).resolve()):
        found |= {p for p in top.rglob("*") if p.suffix in (".py", ".h", ".toml")}
    return sorted(found)


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """What pmlint is: version, code, prelude, rules, and the libclang it loads."""
    h = hashlib.sha256(__version__.encode())
    for p in code_files():
        h.update(b"\0" + str(p.relative_to(p.parent.parent)).encode() + b"\0" + p.read_bytes())
    from pmlint.frontend import libclang_files
    for p in libclang_files():
        st = p.stat()
        h.update(f"\0{p.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.digest()


class ResultCache:
    """Lookups and stores under one directory, for one run's options and rules."""

    def __init__(self, directory: str, options, rules, build=None) -> None:
        from pmlint.pipeline import kconfigstore
        from pmlint.pipeline.inputs import parsed_for
        rules = tuple(rules)
        self.directory = directory
        kconfigstore.keep_in(directory)
        self._run = hashlib.sha256(code_digest() + repr((options, rules)).encode()).digest()
        self.build = build   # a compdb.CompileDatabase: each file's real flags
        self._parsed = parsed_for(options, rules)   # as the runner parses with them
        self._headers: dict[str, tuple[bytes, tuple[str, ...]]] = {}

    def key(self, path: str, source: bytes, index=None, sig=None) -> str:
        """The key of a file with these bytes. With a skip index (pmlint.pipeline.skipindex)
        and the file's signature taken before it was read, the index learns the
        file's digest, and those of the headers read for the key."""
        digest, names = hashlib.sha256(source).digest(), include_names(source)
        if index is not None and path != "-":
            index.read_now(os.path.abspath(path), sig, digest, names)
        return self.key_of(path, digest, names, index)

    def key_of(self, path: str, digest: bytes, names: tuple[str, ...], index=None) -> str:
        """The key of a file from its SHA-256 and the local headers it names
        (as a skip index knows them, for a file not read again)."""
        h = hashlib.sha256(self._run)
        h.update(os.fsencode(path) + b"\0" + digest)
        if self.build is not None:
            h.update(b"\0" + self.build.signature(path))
        h.update(b"\0" + repr(self._needed(path)).encode())
        if path != "-":
            for header in self._local_headers(path, names, index):
                h.update(b"\0" + os.fsencode(header) + self._header(header, index)[0])
        return h.hexdigest()

    def prepare(self, path: str) -> None:
        """Read the Kconfig files of the kernel tree around path (kept between
        runs): once, here, rather than in each process that checks a result's
        answers. Nearly every run over a tree asks it (PM-core callers' options
        are varied even with --no-vary-options)."""
        from pmlint.kernel.buildneeds import read_tree
        read_tree(path)

    def _needed(self, path: str) -> tuple[str, ...]:
        """What the tree says the file is never built without, as the parser is told it."""
        from pmlint.pipeline.inputs import file_options
        if not self._parsed.switch_off:   # read only for the rules that use it
            return ()
        return file_options(path, self._parsed, self.build).needed

    def _local_headers(self, path: str, names: tuple[str, ...], index) -> list[str]:
        """Every local header the file can include, directly or through another."""
        found: list[str] = []
        todo = _resolved(path, names)
        while todo:
            header = todo.pop()
            if header not in found:
                found.append(header)
                todo += _resolved(header, self._header(header, index)[1])
        return sorted(found)

    def _header(self, path: str, index=None) -> tuple[bytes, tuple[str, ...]]:
        """A header's digest (b"missing" if it cannot be read) and the names it
        includes; read once per run, and not at all when the skip index knows
        it unchanged."""
        if path not in self._headers:
            where = os.path.abspath(path)
            sig, known = index.look(where) if index is not None else (None, None)
            if known is not None:
                self._headers[path] = known
                return known
            try:
                text = read_regular(path)
            except (OSError, ValueError):   # ValueError: a NUL in the name
                self._headers[path] = (b"missing", ())
                return self._headers[path]
            self._headers[path] = (hashlib.sha256(text).digest(), include_names(text))
            if index is not None:
                index.read_now(where, sig, *self._headers[path])
        return self._headers[path]

    def _entry(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key[2:])

    def get(self, key: str):
        """(FileModel, findings, has_lines), or None for a miss or an entry not to trust."""
        try:
            with open(self._entry(key), "rb") as f:
                data = f.read()
        except OSError:
            return None
        header, _, payload = data.partition(b"\n")
        if header != _header_line(key, payload):
            return None
        try:
            doc = _decode(payload)
            result = (doc["model"], tuple(doc["findings"]), doc["lines"])
            asked = tuple((str(p), str(o), tuple(map(str, a))) for p, o, a in doc["tree"])
        except (ValueError, TypeError, KeyError, RecursionError):
            return None
        if not (isinstance(result[0], model.FileModel) and isinstance(result[2], bool)
                and all(isinstance(f, model.Finding) for f in result[1])
                and asked == doc["tree"]):
            return None
        if asked:
            from pmlint.kernel.buildneeds import still_hold
            if not still_hold(asked):
                return None
        return result

    def put(self, key: str, file_model, findings, has_lines: bool, tree=()) -> None:
        """Store atomically; a cache that cannot be written only costs speed.
        tree: what the analysis asked the kernel tree (pmlint.kernel.buildneeds.answers)."""
        doc = {"model": file_model, "findings": findings, "lines": has_lines, "tree": tree}
        payload = json.dumps(_encode(doc), separators=(",", ":")).encode()
        write_atomically(self._entry(key), _header_line(key, payload) + b"\n" + payload)


def write_atomically(path: str, data: bytes) -> None:
    """A cache entry, written as every file pmlint writes (pipeline.outfile);
    a failure only costs speed."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        replace_atomically(path, data, durable=False)
    except OSError:
        pass


def _resolved(path: str, names: tuple[str, ...]) -> list[str]:
    """The includes a file names, relative to its directory as the parser finds them."""
    here = os.path.dirname(path)
    return [os.path.normpath(os.path.join(here, name)) for name in names]


def _header_line(key: str, payload: bytes) -> bytes:
    return b" ".join((_MAGIC, key.encode(), hashlib.sha256(payload).hexdigest().encode(),
                      str(len(payload)).encode()))


def _encode(value):
    """JSON-ready form of the model: a dataclass becomes {"@": its name, field: value...}."""
    if dataclasses.is_dataclass(value):
        out = {"@": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = _encode(getattr(value, f.name))
        return out
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(payload: bytes):
    """The inverse of _encode, building only pmlint's model types (lists become tuples).

    Each object is built as the JSON parser closes it (object_hook): a walk
    over the parsed document afterwards took 60% of a warm run's lookups.
    """
    return _tuples(json.loads(payload, object_hook=_build))


def _build(obj: dict):
    if "@" not in obj:
        return {k: _tuples(v) for k, v in obj.items()}
    cls = _MODEL_TYPES.get(obj.pop("@"))
    if cls is None:
        raise TypeError("not a model type")
    return cls(**{k: _tuples(v) for k, v in obj.items()})


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value
