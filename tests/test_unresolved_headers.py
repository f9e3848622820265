"""Real flags whose includes do not resolve are said, never silent (issue 19)."""
from __future__ import annotations

import json

from lintrun import lint

TABLE_UNPARSED = b"""#include <linux/module.h>
#include <linux/platform_device.h>
static int foo_suspend(struct device *d) { return 0; }
static int foo_resume(struct device *d) { return 0; }
static const struct dev_pm_ops foo_pm = {
\t.suspend = foo_suspend,
\t.resume = foo_resume,
};
"""

TABLE_PARSED = b"""#include <linux/module.h>
struct device;
static int foo_suspend(struct device *d) { return 0; }
struct dev_pm_ops { int (*suspend)(struct device *); };
static const struct dev_pm_ops foo_pm = { .suspend = foo_suspend };
"""


def _with_compile_commands(tmp_path, name: str, text: bytes) -> None:
    (tmp_path / name).write_bytes(text)
    command = (f"gcc -nostdinc -I./include -D__KERNEL__ -DMODULE -c -o x.o {tmp_path / name}")
    (tmp_path / "compile_commands.json").write_text(json.dumps(
        [{"directory": str(tmp_path / "no-such-kdir"), "file": str(tmp_path / name), "command": command}]))


def _findings(run) -> list[dict]:
    return json.loads(run.stdout)["findings"]


def test_an_unparsed_table_names_the_headers_not_found(tmp_path):
    _with_compile_commands(tmp_path, "drv.c", TABLE_UNPARSED)
    run = lint(tmp_path, "--no-cache", "--format", "json", "-p", ".", "drv.c")
    [pm000] = [f for f in _findings(run) if f["rule"] == "PM000"]
    assert "2 included header(s) were not found: 'linux/module.h' (line 1), " \
           "'linux/platform_device.h' (line 2)" in pm000["message"]


def test_a_parsed_table_gets_a_note_for_the_first_header_not_found(tmp_path):
    _with_compile_commands(tmp_path, "drv.c", TABLE_PARSED)
    run = lint(tmp_path, "--no-cache", "--format", "json", "-p", ".", "drv.c")
    [note] = [f for f in _findings(run) if f["rule"] == "PM001"]
    assert (note["line"], note["severity"]) == (1, "note")
    assert "'#include <linux/module.h>': the flags given do not find this header" in note["message"]


def test_without_flags_the_missing_headers_are_not_noted(tmp_path):
    (tmp_path / "drv.c").write_bytes(TABLE_PARSED)
    run = lint(tmp_path, "--no-cache", "--format", "json", "drv.c")
    assert not [f for f in _findings(run) if f["rule"] in ("PM000", "PM001")]
