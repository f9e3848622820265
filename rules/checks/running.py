"""Match kind "running-not-restored": the resume side brings a running
network interface back, and nothing of the table runs on PMSG_RESTORE.

dm9000's shape: bare `.suspend`/`.resume`, and `dm9000_drv_resume()` does
`if (netif_running(ndev)) { dm9000_init_dm9000(ndev); ...;
netif_device_attach(ndev); }`. What it brings back is what `ndo_open` set
up at run time, which no probe redoes: after resume from hibernation the
image's interface is up while the NIC is as the boot kernel's probe left it
(or at its power-on state), and on PMSG_RESTORE the PM core calls only the
table's restore members (drivers/base/power/main.c, pm_op(); the platform,
i2c, spi and amba glue add nothing, PCI only its config space). The resume
side is followed into the files Kbuild links with the table's
(bgmac-platform.c's resume is bgmac_enet_resume() of bgmac.c). Like the
other checks: a pure function of a FileModel and the rule's [match] table.
"""
from __future__ import annotations

from collections.abc import Iterator

from pmlint.kernel import pmcore
from pmlint.model import Body, Call, FileModel, Guard, Note
from pmlint.rules.checks import reach
from pmlint.rules.checks.behaviour import vocabulary
from pmlint.rules.checks.linkedcalls import Bodies, chain_text
from pmlint.rules.checks.registry import Hit, check, nothing_restores, restoreless, whole_file_if_restoreless

_RUNNING = "netif_running("


def _brought_back(body: Body, guard: Guard, vocab) -> list[Call]:
    """The calls that run when the interface is running: inside
    `if (netif_running(...))`, or after `if (!netif_running(...)) return`;
    logging and reads left out."""
    negated = guard.condition.lstrip().startswith("!")
    out = []
    for c in body.calls:
        # Lines, not columns: on the `if`'s own line, all but the test itself.
        inside = c.line > guard.last if negated else guard.holds_at(c.line)
        if (inside and not c.indirect and c.name != "netif_running"
                and vocab.kind(c.name, c.args, "up")[0] not in ("neutral", "read")):
            out.append(c)
    return out


def _running_side(bodies: Bodies, roots, vocab):
    """(chain, guard, calls) of the first function the resume side reaches
    that brings the interface back when it is running."""
    for chain, body in bodies.walk(roots):
        for g in body.guards:
            calls = _brought_back(body, g, vocab) if _RUNNING in g.condition else []
            if calls:
                return chain, g, calls
    return None


def _resume_side(table) -> list[str]:
    return [table.slot_map[m] for m in pmcore.members("resume") if m in table.slot_map]


def _linked(model: FileModel, match: dict) -> list[str]:
    """The resume side of the tables that may be judged: followed into the
    files Kbuild links with the file (the rest of the file is read here only)."""
    return [fn for t, _ in restoreless(model, match["buses"]) for fn in _resume_side(t)]


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


@check("running-not-restored", params=("buses",), optional=("vocabulary",),
       fields=("present", "resume", "calls"),
       # The resume side, and whether the transmit watchdog redoes what it brings back.
       reads=whole_file_if_restoreless, linked=_linked)
def running_not_restored(model: FileModel, match: dict) -> Iterator[Hit]:
    vocab = vocabulary(match)
    bodies = Bodies(model)
    for table, down in restoreless(model, match["buses"]):
        found = _running_side(bodies, _resume_side(table), vocab)
        if found is None:
            continue
        chain, guard, calls = found
        if _watchdog(model, calls) is not None:
            continue
        names = ", ".join(dict.fromkeys(f"{c.name}()" for c in calls))
        where = chain_text(chain, model.path)
        notes = (Note(chain[-1][0], guard.first, guard.column,
                      f"{where} brings the interface back when it is running ({names}): what "
                      "ndo_open set up at run time, which the boot kernel's probe does not redo"),
                 nothing_restores(model, table))
        yield Hit(table.location, table.name, {
            "present": pmcore.dotted(down), "resume": f"{chain[0][1]}()", "calls": names},
            notes=notes)
