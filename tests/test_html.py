"""The HTML report: content, escaping, and a real browser rendering it."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from expectations import FIXTURES
from lintrun import pmlint

HOSTILE = FIXTURES / "hostile"
ARTIFACTS = Path(os.environ.get("PMLINT_ARTIFACTS", tempfile.gettempdir()))


def write_report(tmp_path, *paths, name="report.html") -> Path:
    out = tmp_path / name
    proc = pmlint("--html", out, *paths)
    assert proc.returncode in (0, 1), proc.stderr
    return out


def test_report_is_self_contained_with_summary_matrix_and_findings(tmp_path):
    html = write_report(tmp_path, FIXTURES).read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert 'id="summary"' in html and 'id="matrix"' in html
    assert "PM101 freeze-without-thaw" in html
    assert 'class="broken"' in html


def test_source_text_is_escaped(tmp_path):
    html = write_report(tmp_path, HOSTILE).read_text(encoding="utf-8")
    assert "window.__pwned" in html  # the text is shown ...
    assert "<script>window" not in html  # ... but never as markup
    assert "<img src=x" not in html and "</textarea></pre>" not in html
    assert len(re.findall(r"<script>", html)) == 1  # the report's own


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not _chromium() and not os.environ.get("CI"), reason="chromium not installed")
def test_report_in_headless_chromium(tmp_path):
    # Under CI a missing browser or driver is a failure, not a skip.
    if os.environ.get("CI"):
        from playwright import sync_api
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    report = write_report(tmp_path, FIXTURES)
    hostile = write_report(tmp_path, HOSTILE, name="hostile.html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        assert page.locator("#matrix tr.pmtable").count() > 10
        assert page.locator(".finding").first.is_visible()
        total = page.locator(".finding:visible").count()
        page.select_option("#f-rule", "PM106")
        shown = page.locator(".finding:visible").count()
        assert 0 < shown < total
        assert page.locator("#shown").inner_text() == str(shown)
        page.check("#f-flagged")
        assert page.locator("tr.pmtable:visible").count() < page.locator("tr.pmtable").count()
        page.screenshot(path=str(ARTIFACTS / "pmlint-report.png"), full_page=True)
        assert not errors

        page.goto(hostile.as_uri())
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator(".finding").count() >= 1
        browser.close()
