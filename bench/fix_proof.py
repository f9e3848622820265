#!/usr/bin/env python3
"""Prove `pmlint --fix` on a kernel tree with the compiler.

Usage (TREE is a configured copy: .config, `make olddefconfig`, `make prepare`):

  python bench/fix_proof.py tables TREE LIST OUT.json    # make FILE.i, read every table
  python bench/fix_proof.py warnings TREE LIST OUT.json  # make FILE.o, keep its diagnostics
  python bench/fix_proof.py pairs TREE LIST OLD NEW BEFORE.json AFTER.json
  python bench/fix_proof.py compare BEFORE.json AFTER.json

`pairs` takes each batch of LIST from OLD (a pristine tree) and from NEW (a
directory with the fixed files at the same paths) in turn, preprocessing both
in TREE, and saves both snapshots after every batch: on a slow machine an
interrupted run still gives complete before/after pairs.

LIST names the files (relative to TREE), one a line. `tables` preprocesses
them with the tree's own build (`make FILE.i`, in batches, -j2) and reads the
.i with libclang, independently of pmlint's parser: for every top-level
`struct dev_pm_ops` its non-NULL members (through `?:` with a constant
condition, so pm_sleep_ptr(x) gives x), and for every other struct variable
the members named `pm`. `warnings` builds FILE.o and records its warnings
without line numbers (a fix moves lines). `compare` reports each file whose
tables, driver pointers or warnings differ (a table changed exactly as PM103's
fix intends is counted apart), or that built before and not after; run it on
two snapshots of the same kind, taken before and after `pmlint --fix` (AFTER
may hold only the files the fix changed).
"""
from __future__ import annotations

import argparse
import collections
import ctypes
import json
import os
import re
import subprocess
import sys

from clang import cindex

CK = cindex.CursorKind
BATCH = 40


def _make(tree: str, targets: list[str]) -> str:
    """Build targets with -k so one failure does not stop the batch; stderr is returned."""
    proc = subprocess.run(["make", "-j2", "-k", *targets], cwd=tree, text=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, errors="replace")
    return proc.stderr


def _evaluate(cursor) -> int | None:
    lib = cindex.conf.lib
    lib.clang_Cursor_Evaluate.restype = ctypes.c_void_p
    res = lib.clang_Cursor_Evaluate(cursor)
    if not res:
        return None
    try:
        lib.clang_EvalResult_getKind.argtypes = [ctypes.c_void_p]
        lib.clang_EvalResult_getAsLongLong.argtypes = [ctypes.c_void_p]
        lib.clang_EvalResult_getAsLongLong.restype = ctypes.c_longlong
        lib.clang_EvalResult_dispose.argtypes = [ctypes.c_void_p]
        return lib.clang_EvalResult_getAsLongLong(res) if lib.clang_EvalResult_getKind(res) == 1 else None
    finally:
        lib.clang_EvalResult_dispose(res)


def _value(node) -> str | None:
    """The function or object an initializer value names; None for NULL."""
    while node.kind in (CK.UNEXPOSED_EXPR, CK.PAREN_EXPR, CK.CSTYLE_CAST_EXPR):
        kids = list(node.get_children())
        if not kids:
            break
        node = kids[-1]
    if node.kind == CK.UNARY_OPERATOR:  # &x
        return _value(next(node.get_children()))
    if node.kind == CK.CONDITIONAL_OPERATOR:
        cond, yes, no = list(node.get_children())[:3]
        return _value(no if _evaluate(cond) == 0 else yes)
    if node.kind == CK.DECL_REF_EXPR:
        return node.spelling
    if node.kind in (CK.INTEGER_LITERAL, CK.INIT_LIST_EXPR):
        return None
    return " ".join(t.spelling for t in node.get_tokens()) or None


def _members(init, ctype, prefix=""):
    """(dotted member, value) for every non-NULL member an initializer list sets."""
    t = ctype.get_canonical()
    fields = [f for f in t.get_fields()] if t.kind == cindex.TypeKind.RECORD else []
    names = [f.spelling for f in fields]
    index = 0
    for item in init.get_children():
        kids = list(item.get_children())
        refs = [k for k in kids if k.kind == CK.MEMBER_REF]
        if refs and len(kids) > len(refs):
            path, value = [r.spelling for r in refs], kids[len(refs)]
            index = names.index(path[0]) + 1 if path[0] in names else index
        elif index < len(fields):
            path, value = [names[index]], item
            index += 1
        else:
            continue
        name = prefix + ".".join(path)
        inner = value
        while inner.kind == CK.UNEXPOSED_EXPR and len(list(inner.get_children())) == 1:
            inner = next(inner.get_children())
        if inner.kind == CK.INIT_LIST_EXPR:
            sub = fields[names.index(path[-1])].type if path[-1] in names and len(path) == 1 else None
            if sub is not None:
                yield from _members(inner, sub, name + ".")
            continue
        v = _value(value)
        if v:
            yield name, v


_MARKER = re.compile(rb'^# \d+ "([^"]*)"')


def _main_lines(ipath: str, source: str) -> set[int]:
    """Lines of the .i that come from `source` itself, by its line markers."""
    lines, inside = set(), False
    with open(ipath, "rb") as f:
        for n, line in enumerate(f, 1):
            m = _MARKER.match(line)
            if m:
                inside = m.group(1).decode() == source
            elif inside:
                lines.add(n)
    return lines


def read_tables(ipath: str, source: str) -> dict:
    """Tables and driver .pm pointers of one .i, keeping only what `source` (the .c) declares."""
    # Function bodies are skipped: only file-scope initializers matter, and the
    # kernel headers' inline functions would double the parse time.
    tu = cindex.Index.create().parse(ipath, args=["-x", "c", "-std=gnu11", "-w", "-ferror-limit=0"],
                                     options=cindex.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES)
    own = _main_lines(ipath, source)
    tables, pointers = {}, {}
    for cur in tu.cursor.get_children():
        if cur.kind != CK.VAR_DECL or cur.location.line not in own:
            continue
        init = next((c for c in cur.get_children() if c.kind == CK.INIT_LIST_EXPR), None)
        if init is None:
            continue
        members = dict(_members(init, cur.type))
        if cur.type.get_canonical().spelling.endswith("struct dev_pm_ops"):
            tables[cur.spelling] = members
        else:
            pm = {k: v for k, v in members.items() if k.split(".")[-1] == "pm"}
            if pm:
                pointers[cur.spelling] = pm
    return {"tables": tables, "pointers": pointers}


def _batches(files: list[str]):
    for i in range(0, len(files), BATCH):
        yield files[i:i + BATCH]


def _tables_of(tree: str, batch: list[str], out: dict) -> None:
    _make(tree, [f[:-2] + ".i" for f in batch])
    for f in batch:
        ipath = os.path.join(tree, f[:-2] + ".i")
        if not os.path.exists(ipath):
            out[f] = {"error": "make FILE.i failed"}
            continue
        out[f] = read_tables(ipath, f)
        os.unlink(ipath)


def snapshot_tables(tree: str, files: list[str]) -> dict:
    out = {}
    for batch in _batches(files):
        _tables_of(tree, batch, out)
        print(f"tables: {len(out)}/{len(files)}", file=sys.stderr, flush=True)
    return out


def _install(src_root: str, tree: str, files: list[str]) -> None:
    for f in files:
        with open(os.path.join(src_root, f), "rb") as src:
            data = src.read()
        with open(os.path.join(tree, f), "wb") as dst:
            dst.write(data)


def snapshot_pairs(tree: str, files: list[str], old_root: str, new_root: str,
                   before_json: str, after_json: str) -> None:
    """Tables before and after, batch by batch: each batch's files are copied
    from OLD into TREE and preprocessed, then copied from NEW and preprocessed.
    Both JSON files are rewritten after every batch, so an interrupted run
    leaves complete pairs for the batches done (and a run resumes from them).
    TREE is left with the NEW versions of the files done."""
    before, after = {}, {}
    if os.path.exists(before_json) and os.path.exists(after_json):
        with open(before_json) as fb, open(after_json) as fa:
            before, after = json.load(fb), json.load(fa)
        done = set(before) & set(after)
        before = {f: v for f, v in before.items() if f in done}
        after = {f: v for f, v in after.items() if f in done}
    todo = [f for f in files if f not in after]
    for batch in _batches(todo):
        _install(old_root, tree, batch)
        _tables_of(tree, batch, before)
        _install(new_root, tree, batch)
        _tables_of(tree, batch, after)
        for path, data in ((before_json, before), (after_json, after)):
            with open(path + ".tmp", "w") as f:
                json.dump(data, f, indent=1, sort_keys=True)
            os.replace(path + ".tmp", path)
        print(f"pairs: {len(after)}/{len(files)}", file=sys.stderr, flush=True)


_DIAG = re.compile(r"^(\S+?):\d+:(?:\d+:)? (warning|error): (.*)$")


def snapshot_warnings(tree: str, files: list[str]) -> dict:
    out = {}
    for f in files:
        obj = os.path.join(tree, f[:-2] + ".o")
        if os.path.exists(obj):
            os.unlink(obj)  # force the rebuild
        stderr = _make(tree, [f[:-2] + ".o"])
        diags = sorted(f"{m[1]}: {m[2]}: {m[3]}" for m in map(_DIAG.match, stderr.splitlines()) if m)
        out[f] = {"built": os.path.exists(obj), "diagnostics": diags}
        print(f"warnings: {len(out)}/{len(files)}", file=sys.stderr, flush=True)
    return out


def _pm103(before: dict, after: dict) -> bool:
    """Whether `after` is `before` with PM103's fix made: a table that set only
    .suspend and .resume (of the non-runtime members) gains freeze/thaw/poweroff/
    restore with the same callbacks, and nothing else changes."""
    if before.get("pointers") != after.get("pointers") or set(before["tables"]) != set(after["tables"]):
        return False
    changed = False
    for name, b in before["tables"].items():
        a = after["tables"][name]
        if a == b:
            continue
        if {k for k in b if not k.startswith("runtime_")} != {"suspend", "resume"}:
            return False
        want = dict(b, freeze=b["suspend"], thaw=b["resume"], poweroff=b["suspend"], restore=b["resume"])
        if a != want:
            return False
        changed = True
    return changed


def compare(before: dict, after: dict) -> int:
    """Each file of AFTER (the files the fix changed) against BEFORE. A file that
    built before but not after counts as a disagreement; so does any change of a
    table or driver pointer but PM103's intended one."""
    kinds = collections.Counter()
    for f in sorted(after):
        b, a = before.get(f, {"error": "missing in BEFORE"}), after[f]
        if "error" in a and "error" not in b:
            kinds["differ"] += 1
            print(f"BROKE {f}: built before, after {a['error']}")
        elif "error" in b or "error" in a:
            kinds["not comparable"] += 1
            print(f"NOT COMPARABLE {f}: before {b.get('error', 'ok')}, after {a.get('error', 'ok')}")
        elif a == b:
            kinds["same"] += 1
            if "tables" in b and not b["tables"] and not b.get("pointers"):
                kinds["same, but no table or pointer seen"] += 1
                print(f"EMPTY {f}: no table or driver pointer in the .i (compiled out?)")
        elif "tables" in b and _pm103(b, a):
            kinds["PM103 change as intended"] += 1
        else:
            kinds["differ"] += 1
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    print(f"DIFFER {f} {key}:\n  before {b.get(key)}\n  after  {a.get(key)}")
    print(f"files: {len(after)}  " + "  ".join(f"{k}: {n}" for k, n in sorted(kinds.items())))
    return 1 if kinds["differ"] else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("tables", "warnings"):
        p = sub.add_parser(name)
        p.add_argument("tree")
        p.add_argument("list")
        p.add_argument("out")
    p = sub.add_parser("pairs")
    for name in ("tree", "list", "old", "new", "before", "after"):
        p.add_argument(name)
    p = sub.add_parser("compare")
    p.add_argument("before")
    p.add_argument("after")
    args = ap.parse_args()
    if args.cmd == "compare":
        with open(args.before) as fb, open(args.after) as fa:
            return compare(json.load(fb), json.load(fa))
    with open(args.list) as f:
        files = [line.strip() for line in f if line.strip()]
    if args.cmd == "pairs":
        snapshot_pairs(args.tree, files, args.old, args.new, args.before, args.after)
        return 0
    snap = snapshot_tables if args.cmd == "tables" else snapshot_warnings
    result = snap(args.tree, files)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
