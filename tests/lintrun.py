"""pmlint as users and CI run it: a real subprocess, from a folder the test chooses."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

# A driver with one PM101 (a freeze that frees its IRQ, no thaw), reported on the table's line.
DRIVER = b"""\
// SPDX-License-Identifier: GPL-2.0
#include <linux/pm.h>

static int foo_freeze(struct device *dev) { free_irq(1, dev); return 0; }
static int foo_restore(struct device *dev) { return request_irq(1, 0, 0, "foo", dev); }

static const struct dev_pm_ops foo_pm_ops = {
\t.freeze = foo_freeze,
\t.restore = foo_restore,
};
"""
DRIVER_PM101_LINE = 7


@dataclass
class Run:
    code: int
    stdout: bytes
    stderr: str

    @property
    def doc(self) -> dict:
        return json.loads(self.stdout.decode("utf-8"))

    def found(self) -> list[tuple[str, int, str]]:
        """(path, line, rule) of each finding of --format json."""
        return [(f["path"], f["line"], f["rule"]) for f in self.doc["findings"]]

    def reasons(self, path: str) -> list[str]:
        """The PM000 messages of one file."""
        return [f["message"] for f in self.doc["findings"] if f["path"] == path and f["rule"] == "PM000"]


def pmlint(*args, cwd=None, env: dict | None = None, text: bool = True,
           **kwargs) -> subprocess.CompletedProcess:
    """`python -m pmlint ARGS`, by default from a neutral folder, so that the
    package under test is the one this Python imports (installed, or the
    checkout through an editable install), not whatever tree the test runs in."""
    return subprocess.run([sys.executable, "-m", "pmlint", *map(str, args)],
                          cwd=cwd or tempfile.gettempdir(), capture_output=True, text=text,
                          env={**os.environ, **(env or {})}, **kwargs)


def lint(cwd, *args, stdin: bytes = b"", env: dict | None = None, **kwargs) -> Run:
    """Run pmlint; whatever the input, it must never end in a Python traceback."""
    proc = pmlint(*args, cwd=cwd, env=env, text=False, input=stdin, **kwargs)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    return Run(proc.returncode, proc.stdout, stderr)
