"""The HTML report is safe to open even when the patch or tree it reports on is hostile.

Markup can reach the report through a file or folder name, comments and
string literals shown as source, a callback written as an expression (its
text fills a matrix cell) and a path given on the command line (the errors
list). test_html.py covers comments, strings and one file name; this adds
the other ways in, the policy itself, and what a browser does: no script
runs, nothing is fetched.
"""
from __future__ import annotations

import base64
import hashlib
import html as htmllib
import os
import re

import pytest

from htmlcheck import start_tags, unsafe_markup
from lintrun import lint
from test_html import _chromium

PAYLOAD = "window.__pwned = {}"
# Names from outside: a folder and a file name that try to open a tag and
# leave an attribute.
FOLDER = f"<svg onload='{PAYLOAD.format(1)}'>"
FILE = f'x" onmouseover="{PAYLOAD.format(2)}" data-x=".c'
SOURCE = f"""\
// </script><script>{PAYLOAD.format(3)}</script> <!-- <base href="//example.org/">
#include <linux/pm.h>

static int foo_freeze(struct device *dev) {{ free_irq(1, dev); return 0; }}

/* ]]> </style><style>body {{ background: url(//example.org/x.png) }}</style> */
static const struct dev_pm_ops evil_pm_ops = {{
\t.freeze = foo_freeze,
\t.thaw = (void *)"<img src=x onerror='{PAYLOAD.format(4)}'>",
\t.poweroff = (void *)"</td></tr></table><iframe src=//example.org/>",
}};
"""
MISSING = f"<script>{PAYLOAD.format(5)}</script>.c"   # named on the command line, does not exist


@pytest.fixture
def report(tmp_path, tmp_path_factory, monkeypatch) -> str:
    monkeypatch.setenv("PMLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    folder = tmp_path / "drivers" / FOLDER
    folder.mkdir(parents=True)
    (folder / FILE).write_text(SOURCE)
    run = lint(tmp_path, "--html", "report.html", "drivers", MISSING)
    assert run.code == 2   # findings, and the missing path
    return (tmp_path / "report.html").read_text(encoding="utf-8")


def _policy(page: str) -> dict[str, str]:
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    return dict(d.strip().split(None, 1) for d in htmllib.unescape(meta.group(1)).split(";")
                if d.strip())


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_policy_allows_only_the_reports_own_inline_code(report):
    policy = _policy(report)
    [script] = re.findall(r"<script>(.*?)</script>", report, re.S)
    [style] = re.findall(r"<style>(.*?)</style>", report, re.S)
    assert policy == {"default-src": "'none'", "script-src": _sha256(script),
                      "style-src": _sha256(style), "img-src": "data:",
                      "base-uri": "'none'", "form-action": "'none'"}
    # The meta must come before anything that could load: right after the charset.
    assert report.index("Content-Security-Policy") < report.index("<style>")


def test_every_way_in_is_escaped(report):
    for text in (FOLDER, FILE, MISSING, "<img src=x", "</td></tr></table><iframe"):
        assert text not in report
    shown = htmllib.unescape(report)    # ... but all shown, as text
    assert FOLDER in shown and FILE in shown and MISSING in shown
    assert '"<img src=x onerror=' in shown   # the matrix cell of .thaw
    # PM102's evidence note (foo_freeze frees the IRQ, nothing restores it) names the file.
    assert f"{FOLDER}/{FILE}:4:45</span> note: foo_freeze() calls free_irq()" in shown
    # Only the report's own elements, none with a handler or a URL to load.
    assert unsafe_markup(report) == []
    assert [tag for tag, _ in start_tags(report)].count("script") == 1
    [style] = re.findall(r"<style>(.*?)</style>", report, re.S)
    assert not re.search(r"url\(|@import", style)


@pytest.mark.skipif(not _chromium() and not os.environ.get("CI"), reason="chromium not installed")
def test_browser_runs_nothing_and_fetches_nothing(report, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api") if not os.environ.get("CI") else \
        __import__("playwright.sync_api", fromlist=["sync_api"])
    page_file = tmp_path / "report.html"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        requests, errors, dialogs = [], [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        # A blocked attempt (the policy refusing injected code) is logged as an error too.
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        # Hover and filter where injected handlers would fire.
        for finding in page.locator(".finding").all():
            finding.hover()
        for cell in page.locator("#matrix td").all()[:40]:
            cell.hover()
        hostile = [v for v in page.locator("#f-file option").evaluate_all(
            "options => options.map(o => o.value)") if FOLDER in v]
        page.select_option("#f-file", hostile[0])
        assert page.locator(".finding:visible").count() >= 1
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned === undefined")
        assert (requests, errors, dialogs) == ([page_file.as_uri()], [], [])
        browser.close()
