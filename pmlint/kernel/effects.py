"""What a PM callback does to its device, judged from the calls its body makes.

Kernel knowledge, no parsing: the vocabulary (pmlint/data/effects.toml, plus
a project's [tool.pmlint.effects]) says which kernel APIs take which piece of
device state down or bring it back up; a callback's effects are its calls,
followed through the functions its own file defines (model.Function.body).
A call the vocabulary does not know, to a function the file does not define,
or through a pointer (but a library's accessor members, [through-pointer]),
is unknown: a callback that makes one and takes nothing down is judged
"unknown", never harmless.
"""
from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from pmlint.model import Call, FileModel, Location
from pmlint.text import ctext

# Calls followed into the file's functions; a deeper chain is unknown: past
# a driver's own helpers it reaches the file's general machinery (an event
# dispatcher, a state machine), where a call says little about the device.
_DEPTH = 4
# A helper named for reading: a word read, reads, readl/w/b/q, read8..read64,
# ioread32 or rd32 between underscores (not "ready", "thread" or "already").
_READER = re.compile(r"(?:^|_)(?:io)?(?:read|rd)(?:[lwbqs]|8|16|32|64)?(?:_|$)")


class VocabularyError(Exception):
    pass


@dataclass(frozen=True)
class EffectClass:
    """One piece of device state and the calls that take it down and bring it back."""

    name: str
    what: str
    down: frozenset[str]
    up: frozenset[str]
    sticky: bool = False     # the next use of the device does not bring it back
    activity: bool = False   # interrupts, queues, DMA: stopped before a snapshot
    bus: str = ""            # the bus that undoes it before thaw and restore ("pci")
    implies: frozenset[str] = frozenset()   # classes that bringing it back brings back too
    weak: bool = False       # left down alone, it need not break the device

    def brings_back(self) -> frozenset[str]:
        return self.implies | {self.name}


@dataclass(frozen=True)
class Vocabulary:
    classes: tuple[EffectClass, ...]
    direction: tuple[tuple[str, str], ...] = ()   # call -> pattern over its arguments meaning up
    reads: frozenset[str] = frozenset()
    neutral: frozenset[str] = frozenset()
    device_memory: tuple[str, ...] = ()   # globs: calls whose result points at the device
    # Members of kernel structs that a library sets to a register accessor:
    # calls through a pointer of these names read or write the device.
    pointer_reads: frozenset[str] = frozenset()
    pointer_writes: frozenset[str] = frozenset()
    _index: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self):
        index = {}
        for cls in self.classes:
            for name in cls.down | cls.up:
                if name in index and index[name] is not cls:
                    raise VocabularyError(f"{name} is in two classes: {index[name].name} and {cls.name}")
                index[name] = cls
        for name in self.reads | self.neutral:
            if name in index:
                raise VocabularyError(f"{name} is in class {index[name].name} and in reads or neutral")
        self._index.update(index)

    def kind(self, name: str, args: str, role: str) -> tuple[str, EffectClass | None]:
        """("down" | "up" | "read" | "neutral" | "unknown", its class) for a call.

        A call that both takes a class down and brings it back (a register
        write) counts as the side's own direction, `role`.
        """
        cls = self._index.get(name)
        if cls is not None:
            pattern = dict(self.direction).get(name)
            if pattern is not None:
                return ("up" if re.search(pattern, args) else "down"), cls
            if name in cls.down and name in cls.up:
                return role, cls
            return ("down" if name in cls.down else "up"), cls
        if name in self.reads:
            return "read", None
        if name in self.neutral:
            return "neutral", None
        return "unknown", None

    def of_call(self, call: Call, role: str) -> tuple[str, EffectClass | None]:
        """kind() of a call as written: through a pointer, only the members
        named in pointer_reads and pointer_writes are known (a register
        write is the side's own direction, `role`)."""
        if not call.indirect:
            return self.kind(call.name, call.args, role)
        if call.name in self.pointer_writes:
            return role, self.registers
        if call.name in self.pointer_reads:
            return "read", None
        return "unknown", None

    def extended(self, extra: dict) -> "Vocabulary":
        """With a project's additions: {"neutral": [...], "reads": [...],
        "down": {call: class}, "up": {call: class}}."""
        if not extra:
            return self
        by_name = {c.name: c for c in self.classes}
        added: dict[str, dict[str, set]] = {}
        for way in ("down", "up"):
            for call, cname in extra.get(way, {}).items():
                if cname not in by_name:
                    raise VocabularyError(f"effects.{way}: {call} = {cname!r}: no such class "
                                          f"(one of {', '.join(sorted(by_name))})")
                added.setdefault(cname, {"down": set(), "up": set()})[way].add(call)
        classes = tuple(
            EffectClass(c.name, c.what, c.down | added.get(c.name, {}).get("down", set()),
                        c.up | added.get(c.name, {}).get("up", set()), c.sticky, c.activity, c.bus,
                        c.implies, c.weak)
            for c in self.classes)
        return Vocabulary(classes, self.direction, self.reads | frozenset(extra.get("reads", ())),
                          self.neutral | frozenset(extra.get("neutral", ())), self.device_memory,
                          self.pointer_reads | frozenset(extra.get("pointer-reads", ())),
                          self.pointer_writes | frozenset(extra.get("pointer-writes", ())))

    @property
    def mmio(self) -> EffectClass:
        """The class of plain stores through device memory."""
        return next(c for c in self.classes if c.name == "mmio")

    @property
    def registers(self) -> EffectClass:
        """The class of register writes through accessors."""
        return next(c for c in self.classes if c.name == "registers")

    def maps_device(self, origin: str) -> bool:
        """A pointer with this origin (model.PointerOrigin) points at device memory."""
        if origin in ("address", "iomem", "volatile"):
            return True
        call = origin.removeprefix("call ")
        return call != origin and any(fnmatch.fnmatchcase(call, g) for g in self.device_memory)


def _load(text: str) -> Vocabulary:
    data = tomllib.loads(text)
    classes = tuple(EffectClass(c["name"], c["what"], frozenset(c["down"]), frozenset(c["up"]),
                                c.get("sticky", False), c.get("activity", False), c.get("bus", ""),
                                frozenset(c.get("implies", ())), c.get("weak", False))
                    for c in data["class"])
    return Vocabulary(classes, tuple(sorted(data.get("direction", {}).items())),
                      frozenset(data["reads"]["calls"]), frozenset(data["neutral"]["calls"]),
                      tuple(data["device-memory"]["calls"]),
                      frozenset(data["through-pointer"]["reads"]),
                      frozenset(data["through-pointer"]["writes"]))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabulary shipped with pmlint."""
    return _load(resources.files("pmlint").joinpath("data/effects.toml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Effect:
    kind: str                     # down, up, read, unknown
    cls: EffectClass | None
    call: Call
    chain: tuple[str, ...]        # the callback, then each function down to the one making the call
    stored: bool = False          # a store through device memory: call.name is what it writes

    @property
    def where(self) -> str:
        """'foo_freeze()' or 'foo_freeze() -> foo_stop()'."""
        return " -> ".join(f"{n}()" for n in self.chain)

    @property
    def api(self) -> str:
        if self.stored:
            return self.call.name
        return f"{'->' if self.call.indirect else ''}{self.call.name}()"

    @property
    def verb(self) -> str:
        return "stores to" if self.stored else "calls"


def _first_arg(args: str) -> str:
    """A call's first argument as written, blanks left out ("priv->clk")."""
    return ctext.split_outside(args)[0].replace(" ", "")


def _last(effects: list[Effect], wanted) -> int | None:
    """The index of the last effect that is `wanted`, or None."""
    return next((i for i in range(len(effects) - 1, -1, -1) if wanted(effects[i])), None)


@dataclass(frozen=True)
class CallbackEffects:
    """Everything one callback's body does, in the order it is written."""

    callback: str
    effects: tuple[Effect, ...] = ()
    stores: bool = False     # stores to the driver's data (a software flag)
    refuses: bool = False    # can return an error and so abort the transition

    def net(self, kind: str) -> list[Effect]:
        """The effects of `kind` (down or up) not reversed later in the same
        callback, nor balancing an opposite call on the same first argument
        made before them in the same function (clk_prepare_enable(clk) ...
        clk_disable_unprepare(clk) around a register read). Both branches of
        an if are read, so the calls of two branches on different arguments
        never balance each other."""
        other = "up" if kind == "down" else "down"
        pending: list[Effect] = []
        opened: list[Effect] = []   # opposite calls that reversed nothing pending
        for e in self.effects:
            if e.kind == kind:
                i = _last(opened, lambda o: o.cls is e.cls and o.chain == e.chain
                          and _first_arg(o.call.args) == _first_arg(e.call.args))
                if i is None:
                    pending.append(e)
                else:
                    del opened[i]
            elif e.kind == other:
                # An up brings back its own class and those it implies, one pending down each.
                names = {e.cls.name} | (e.cls.implies if kind == "down" else frozenset())
                reversed_any = False
                for name in names:
                    i = _last(pending, lambda p: p.cls.name == name)
                    if i is not None:
                        del pending[i]
                        reversed_any = True
                if not reversed_any:
                    opened.append(e)
        return pending

    @property
    def unknown(self) -> list[Effect]:
        return [e for e in self.effects if e.kind == "unknown"]

    @property
    def verdict(self) -> str:
        """quiesces, unknown, saves, flags, refuses or nothing."""
        if self.net("down"):
            return "quiesces"
        if self.unknown:
            return "unknown"
        if any(e.kind == "read" for e in self.effects):
            return "saves"
        if self.stores:
            return "flags"
        return "refuses" if self.refuses else "nothing"


def device_pointers(model: FileModel, vocab: Vocabulary) -> frozenset[str]:
    """The names of the file's pointers that point at device memory: one
    origin that says so is enough (a driver maps its registers once)."""
    return frozenset(o.name for o in model.pointers if vocab.maps_device(o.origin))


def of_callback(model: FileModel, name: str, at: Location, vocab: Vocabulary,
                role: str = "down") -> CallbackEffects:
    """The effects of the callback `name`, a table member set at `at`.

    role: the direction of the side it serves (down for suspend, freeze and
    poweroff; up for resume, thaw and restore), for calls that go both ways.
    """
    bodies = {f.name: f.body for f in model.functions if f.body is not None}
    defined = {f.name for f in model.functions if f.defined}
    if name not in bodies:   # a kernel helper set directly, or defined elsewhere
        kind, cls = vocab.kind(name, "", role)
        if kind in ("neutral",):
            return CallbackEffects(name)
        call = Call(name, at.line, at.column)
        return CallbackEffects(name, (Effect(kind, cls, call, ()),))
    effects: list[Effect] = []
    stores = refuses = False
    device = device_pointers(model, vocab)

    def reader(fn: str) -> bool:
        """A helper named for reading that reads the device: its register
        writes select what to read (an index or page register)."""
        return _READER.search(fn.lower()) is not None and any(
            vocab.kind(c.name, c.args, role)[0] == "read" for c in bodies[fn].calls)

    def walk(fn: str, chain: tuple[str, ...]) -> None:
        nonlocal stores, refuses
        body = bodies[fn]
        selects = len(chain) > 1 and reader(fn)
        stores |= body.stores
        refuses |= body.returns_error
        # A store through device memory is a register write, in the side's
        # direction; stores and calls in the order written.
        mmio = tuple(Call(s.target, s.line, s.column) for s in body.pointer_stores
                     if device.intersection(s.pointers))
        written = sorted(body.calls + mmio, key=lambda c: (c.line, c.column)) if mmio else body.calls
        for call in written:
            if mmio and call in mmio:
                effects.append(Effect("read" if selects else role, None if selects else vocab.mmio,
                                      call, chain, stored=True))
            elif call.indirect:
                kind, cls = vocab.of_call(call, role)
                effects.append(Effect("read" if selects and cls is not None else kind,
                                      None if selects else cls, call, chain))
            elif call.name in bodies:
                if call.name in chain:
                    continue
                if len(chain) >= _DEPTH:
                    effects.append(Effect("unknown", None, call, chain))
                else:
                    walk(call.name, chain + (call.name,))
            else:
                kind, cls = vocab.kind(call.name, call.args, role)
                if kind == "unknown" or call.name in defined:   # defined here but unread: a macro's
                    effects.append(Effect("unknown", None, call, chain))
                elif selects and cls is not None and cls.name == "registers":
                    effects.append(Effect("read", None, call, chain))
                elif kind != "neutral":
                    effects.append(Effect(kind, cls, call, chain))

    walk(name, (name,))
    return CallbackEffects(name, tuple(effects), stores, refuses)
