"""The LF report in a real browser: headless Chromium opens it, every plot renders.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``) and
Playwright for Python (the dev extra); no browser is downloaded.  Set
``WEAKLABEL_SCREENSHOTS=docs/images`` to refresh the documentation's
screenshots (``report_*.png``) from this run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("matplotlib")

from weaklabel import LabelModel, load_youtube  # noqa: E402
from weaklabel.report import lf_report, rows_to_look_at  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from weaklabel.examples.youtube import lfs

    df = load_youtube()
    L = lfs.apply(df)
    gold = np.where(np.arange(len(df)) % 3 == 0, df["label"].to_numpy(), -1)
    model = LabelModel(random_state=0, learn_structure=True).fit(L)
    # a comment holding markup, on a row the report lists
    shown = rows_to_look_at(L.to_numpy(), model.predict_proba(L), gold).conflicts[0]
    df.loc[shown, "text"] = "<script>window.__pwned = 1</script> check out my channel"
    out = tmp_path_factory.mktemp("report") / "report.html"
    lf_report(
        L, gold, model=model, data=df, path=out, title="YouTube spam LFs", n_rows=10
    )
    return out


@pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason="needs Debian's chromium at /usr/bin/chromium",
)
def test_report_renders_in_chromium(report_file: Path) -> None:
    shots = os.environ.get("WEAKLABEL_SCREENSHOTS")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            errors: list[str] = []
            requests: list[str] = []
            page.on(
                "console",
                lambda m: errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report_file.as_uri())
            page.wait_for_load_state("load")
            plots = page.eval_on_selector_all(
                "svg.wl-plot",
                """els => els.map(e => {
                    const r = e.getBoundingClientRect();
                    return {plot: e.dataset.plot, w: r.width, h: r.height,
                            shapes: e.querySelectorAll('path, image, use, rect').length};
                })""",
            )
            names = {p["plot"] for p in plots}
            assert names == {
                "pairs",
                "accuracy",
                "balance",
                "confusion",
                "versus",
                "cliques",
            }
            for plot in plots:
                assert plot["w"] > 150, plot
                assert plot["h"] > 150, plot
                assert plot["shapes"] > 5, plot
            assert errors == []
            assert requests == [report_file.as_uri()]  # nothing fetched but the page
            # the user's <script> is text, not code
            assert page.evaluate("window.__pwned === undefined")
            assert page.get_by_text("<script>window.__pwned = 1</script>").count() >= 1
            # hover names a scatter dot
            titles = page.eval_on_selector_all(
                "svg[data-plot=accuracy] title", "ts => ts.map(t => t.textContent)"
            )
            assert any(t.startswith("kw_check_out: learned") for t in titles)
            if shots:
                folder = Path(shots)
                folder.mkdir(parents=True, exist_ok=True)
                for section, name in (
                    ("#lfs", "report_lfs.png"),
                    ("#pairs", "report_pairs.png"),
                    ("#accuracy", "report_accuracy.png"),
                    ("#confusion", "report_confusion.png"),
                    ("#rows table >> nth=0", "report_rows.png"),
                ):
                    page.locator(section).screenshot(path=str(folder / name))
        finally:
            browser.close()
