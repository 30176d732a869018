"""The workbench in a real browser: headless Chromium from Debian via Playwright.

Starts ``weaklabel app --demo`` (the bundled YouTube comments and example LFs)
on a free loopback port, labels three rows with the keyboard, tries a keyword
rule and accepts it, refits, checks the overview's counts changed, then
restarts the server and checks the labels are still there.  Screenshots of
every page are taken; ``WEAKLABEL_SCREENSHOTS=docs/images`` keeps them there
for the docs (look at them when the pages change), else they go to a
temporary folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the workbench needs the app extra")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="needs Debian's chromium (apt-get install chromium)",
)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(project: Path, port: int) -> subprocess.Popen[bytes]:
    log = project.with_suffix(".log")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "weaklabel.cli",
                "app",
                "--demo",
                "--project",
                str(project),
                "--port",
                str(port),
                "--no-browser",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/job", timeout=2
            ) as r:
                if b'"done"' in r.read():
                    return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"the app exited: {log.read_text()}")
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("the app did not finish applying the LFs in 90 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _count(page: object, selector: str) -> int:
    return int(page.inner_text(selector).replace(",", ""))  # type: ignore[attr-defined]


def test_the_loop_in_a_browser(tmp_path: Path, browser: object) -> None:
    images = Path(os.environ.get("WEAKLABEL_SCREENSHOTS", tmp_path / "shots"))
    images.mkdir(parents=True, exist_ok=True)
    project = tmp_path / "project.sqlite"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(project, port)
    errors: list[str] = []
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page.on(
            "console", lambda m: errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        page.goto(base + "/")
        assert _count(page, "#n-rows") == 1956
        labeled0, rules0, runs0 = (
            _count(page, "#n-labeled"),
            _count(page, "#n-rules"),
            _count(page, "#n-runs"),
        )
        assert (labeled0, rules0) == (0, 0)
        page.wait_for_selector("#report svg", timeout=60_000)
        page.screenshot(path=str(images / "app-overview.png"), full_page=False)

        # label three rows with the keyboard: 2 = spam, 1 = ham, 2 = spam
        page.goto(base + "/label")
        page.wait_for_selector("#label-row:not([hidden])", timeout=30_000)
        page.screenshot(path=str(images / "app-label.png"))
        for key in ("2", "1", "2"):
            before = page.inner_text("#label-position")
            page.keyboard.press(key)
            page.wait_for_function(
                "b => document.getElementById('label-position').textContent !== b",
                arg=before,
            )
        page.wait_for_function(
            "() => document.getElementById('label-status').dataset.saved === '3'"
        )

        # try a keyword rule, then accept it
        page.goto(base + "/rules")
        page.fill("#rule-pattern", "giveaway")
        page.select_option("#rule-label", "1")
        page.wait_for_selector("#preview-stats", timeout=10_000)
        assert "fires on" in page.inner_text("#preview-stats")
        page.screenshot(path=str(images / "app-rules.png"))
        page.fill("#rule-name", "kw_giveaway")
        page.click("#rule-accept")
        page.wait_for_selector("#rules-table td:has-text('kw_giveaway')")

        # rows page with a filter
        page.goto(base + "/rows?lf=kw_giveaway")
        assert "rows" in page.inner_text("#row-count")
        page.goto(base + "/rows?text=check+out")
        page.screenshot(path=str(images / "app-rows.png"))

        # refit from the overview, wait for the job, check the counts moved
        page.goto(base + "/")
        page.click("#refit")
        page.wait_for_function(
            f"() => Number(document.getElementById('n-runs').textContent) > {runs0}",
            timeout=60_000,
        )
        assert _count(page, "#n-labeled") == 3
        assert _count(page, "#n-rules") == 1
        page.goto(base + "/export")
        page.screenshot(path=str(images / "app-export.png"))
        assert errors == []
    finally:
        _stop(proc)

    # restart: the labels and the rule are still there
    proc = _start(project, port)
    try:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(base + "/")
        assert _count(page, "#n-labeled") == 3
        assert _count(page, "#n-rules") == 1
    finally:
        _stop(proc)
