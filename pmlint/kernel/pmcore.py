"""What the PM core calls, and when (include/linux/pm.h, struct dev_pm_ops).

A system transition runs in three phases; each "side" of a transition has
one dev_pm_ops member per phase. Xen save/restore and hibernation go down
through freeze and come back up through thaw (checkpoint cancelled) or
restore (image restored); hibernation also powers off through poweroff.
"""
from __future__ import annotations

# The 23 members of struct dev_pm_ops, in pm.h's order.
SLOTS = (
    "prepare", "complete", "suspend", "resume", "freeze", "thaw", "poweroff", "restore",
    "suspend_late", "resume_early", "freeze_late", "thaw_early", "poweroff_late",
    "restore_early", "suspend_noirq", "resume_noirq", "freeze_noirq", "thaw_noirq",
    "poweroff_noirq", "restore_noirq", "runtime_suspend", "runtime_resume", "runtime_idle",
)

RUNTIME = SLOTS[-3:]  # the runtime-PM members, which CONFIG_PM (not PM_SLEEP) keeps

PHASES = ("main", "late", "noirq")

# side -> its member at each phase, in PHASES order.
SIDES = {
    "suspend": ("suspend", "suspend_late", "suspend_noirq"),
    "resume": ("resume", "resume_early", "resume_noirq"),
    "freeze": ("freeze", "freeze_late", "freeze_noirq"),
    "thaw": ("thaw", "thaw_early", "thaw_noirq"),
    "poweroff": ("poweroff", "poweroff_late", "poweroff_noirq"),
    "restore": ("restore", "restore_early", "restore_noirq"),
}

# Going down: main, late, noirq; coming back up: noirq, early, main.
DOWN = (0, 1, 2)
UP = (2, 1, 0)

# The rows of the save/restore matrix: a way down and the way back up.
SEQUENCES = (
    ("checkpoint cancelled (PMSG_THAW)", "freeze", "thaw"),
    ("restored from snapshot (PMSG_RESTORE)", "freeze", "restore"),
    ("hibernation power-off, next boot", "poweroff", "restore"),
    ("suspend to RAM / idle", "suspend", "resume"),
)


def members(side: str) -> tuple[str, ...]:
    return SIDES[side]


def sequence_columns(down: str, up: str) -> list[str]:
    """The members run, in order, going down through `down` and up through `up`."""
    return [SIDES[down][i] for i in DOWN] + [SIDES[up][i] for i in UP]


def listed(items) -> str:
    """Human list: 'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def dotted(names) -> str:
    """Human list of members: '.thaw and .thaw_noirq'."""
    return listed(f".{n}" for n in names)
