"""Match kind "running-not-restored": the resume side brings back a
session opened at run time (a network interface that is up, an open input
device or serial port, a bound gadget), and nothing of the table runs on
PMSG_RESTORE.

dm9000's shape: bare `.suspend`/`.resume`, and `dm9000_drv_resume()` does
`if (netif_running(ndev)) { dm9000_init_dm9000(ndev); ...;
netif_device_attach(ndev); }`. What it brings back is what `ndo_open` set
up at run time, which no probe redoes: after resume from hibernation the
image's interface is up while the NIC is as the boot kernel's probe left it
(or at its power-on state), and on PMSG_RESTORE the PM core calls only the
table's restore members (drivers/base/power/main.c, pm_op(); the platform,
i2c, spi and amba glue add nothing, PCI only its config space). The resume
side is followed into the files Kbuild links with the table's
(bgmac-platform.c's resume is bgmac_enet_resume() of bgmac.c). The
tests that a session is open are the rule's: its predicates, the members
its session-opening ops callbacks store, its calls that restart sessions
themselves. Like the other checks: a pure function of a FileModel and the rule's [match] table.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from pmlint.kernel import pmcore
from pmlint.model import Body, Call, FileModel, Guard, Note
from pmlint.rules.checks import cexpr, reach
from pmlint.rules.checks.behaviour import vocabulary
from pmlint.rules.checks.linkedcalls import Bodies, chain_text
from pmlint.rules.checks.registry import (Hit, check, nothing_restores, restoreless, resume_side,
                                         resume_side_if_restoreless, whole_file_if_restoreless)

# A part of a condition that compares a test with nothing: `x > 0`, `x != NULL`.
_COMPARED = re.compile(r"\s*(?:!=\s*(?:0|NULL|false)|>\s*0)$")
_CALL = re.compile(r"(\w+)\s*\((.*)\)$")


class Session(NamedTuple):
    """What a resume side's test says is open, and what opened it."""

    when: str    # "it is running"
    start: str   # "ndo_open"


class Tests:
    """The rule's tests that a run-time session is open, for one file: its
    predicates (`netif_running()`), the members the file's session-opening
    ops callbacks store, as written (mv_udc_start(), the `.udc_start` of
    the gadget's ops, stores `udc->driver`), and the calls that bring open
    sessions back themselves (`uart_resume_port()`)."""

    def __init__(self, model: FileModel, match: dict):
        self.running = {name: Session(*said) for name, said in match["running"].items()}
        self.resumes = match.get("resumes", {})
        read = reach.bodies(model)
        self.stored: dict[str, Session] = {}
        for e in model.entries:
            if e.member not in match.get("starts", ()):
                continue
            # The callback and the file's functions it calls directly.
            for fn in reach.closure(read, [e.function], 2):
                for st in read[fn].pointer_stores:
                    path = " ".join(st.target.split())
                    if cexpr.MEMBER.search(path):
                        self.stored.setdefault(path, Session(
                            f"{path} is set ({e.function}(), the .{e.member} callback, stores it)",
                            f".{e.member}"))

    def _test(self, part: str) -> Session | None:
        """What a part of a condition says is open: a predicate called, or
        a member a session-opening callback stores, maybe compared with
        nothing (`> 0`, `!= NULL`)."""
        part = _COMPARED.sub("", part)
        call = _CALL.match(part)
        if call and call.group(1) in self.running and cexpr.balanced(call.group(2)):
            return self.running[call.group(1)]
        return self.stored.get(part)

    def session(self, guard: Guard) -> tuple[Session, bool] | None:
        """What an `if` says is open, and whether its statement is what runs
        then (True), or, for `if (!test) return ...;`, what follows it
        (False). A test counts as one part of the condition's top-level
        `&&`, not under a `!` or an `||`."""
        parts = cexpr.conjuncts(guard.condition)
        for part in parts:
            said = None if part.startswith("!") else self._test(part)
            if said is not None:
                return said, True
        if len(parts) == 1 and parts[0].startswith("!") and guard.leaves:
            said = self._test(parts[0][1:].strip())
            if said is not None:
                return said, False
        return None


def _brought_back(body: Body, guard: Guard, inside: bool, tests: Tests, vocab) -> list[Call]:
    """The calls that run when the session is open: the `if`'s statement
    (`inside`), else what follows it; the tests, logging and reads left out."""
    out = []
    for c in body.calls:
        # Lines, not columns: on the `if`'s own line, all but the test itself.
        runs = guard.holds_at(c.line) if inside else c.line > guard.last
        if (runs and not c.indirect and c.name not in tests.running
                and vocab.kind(c.name, c.args, "up")[0] not in ("neutral", "read")):
            out.append(c)
    return out


def _running_side(bodies: Bodies, roots, tests: Tests, vocab):
    """(chain, line, column, session, calls) of the first function the
    resume side reaches that brings an open session back."""
    for chain, body in bodies.walk(roots):
        for c in body.calls:
            if c.name in tests.resumes and not c.indirect:
                return chain, c.line, c.column, Session("it is open", tests.resumes[c.name]), [c]
        for g in body.guards:
            found = tests.session(g)
            calls = _brought_back(body, g, found[1], tests, vocab) if found else []
            if calls:
                return chain, g.first, g.column, found[0], calls
    return None


def _watchdog(model: FileModel, calls: list[Call]) -> str | None:
    """The file's `.ndo_tx_timeout` function when it calls, itself or
    through the file's functions, one of the file's functions among `calls`:
    the driver recovers the interface on its own a few seconds after
    transmits stall (smc91x's smc_timeout() redoes smc_reset() and
    smc_enable())."""
    read = reach.bodies(model)
    mine = {c.name for c in calls if c.name in read}
    for e in model.entries:
        if e.member == "ndo_tx_timeout" and mine & set(reach.closure(read, [e.function])):
            return e.function
    return None


@check("running-not-restored", params=("buses", "running"), optional=("starts", "resumes", "vocabulary"),
       fields=("present", "resume", "calls"),
       # The resume side, and whether the transmit watchdog redoes what it brings back;
       # only the resume side is followed out of the file.
       reads=whole_file_if_restoreless, linked=resume_side_if_restoreless)
def running_not_restored(model: FileModel, match: dict) -> Iterator[Hit]:
    vocab = vocabulary(match)
    bodies = Bodies(model)
    tests = Tests(model, match)
    for table, down in restoreless(model, match["buses"]):
        found = _running_side(bodies, resume_side(table), tests, vocab)
        if found is None:
            continue
        chain, line, column, said, calls = found
        if _watchdog(model, calls) is not None:
            continue
        names = ", ".join(dict.fromkeys(f"{c.name}()" for c in calls))
        where = chain_text(chain, model.path)
        notes = (Note(chain[-1][0], line, column,
                      f"{where} brings back, when {said.when}, what {said.start} set up at run "
                      f"time ({names}), which the boot kernel's probe does not redo"),
                 nothing_restores(model, table))
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(down), "resume": f"{chain[0][1]}()", "calls": names},
            notes=notes)
