"""The workbench's HTTP layer through the ASGI test client."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from weaklabel.app.server import AppSettings, create_app
from weaklabel.app.workbench import Workbench


@pytest.fixture
def wb(data_file: Path, lf_file: Path, tmp_path: Path) -> Workbench:
    bench = Workbench(data_file, lf_file, tmp_path / "p.sqlite")
    assert bench.start_job("apply", wait=True).state == "done"
    return bench


@pytest.fixture
def settings() -> AppSettings:
    return AppSettings(csrf_token="test-csrf")


@pytest.fixture
def client(wb: Workbench, settings: AppSettings) -> TestClient:
    return TestClient(create_app(wb, settings))


def _post(client: TestClient, url: str, body: Any = None) -> Any:
    return client.post(url, json=body or {}, headers={"X-CSRF-Token": "test-csrf"})


def test_pages_render(client: TestClient) -> None:
    for url in ("/", "/rows", "/label", "/rules", "/export"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert 'name="csrf-token" content="test-csrf"' in r.text
    assert "kw_subscribe" in client.get("/").text


def test_user_text_is_escaped(client: TestClient) -> None:
    r = client.get("/rows", params={"text": "script"})
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r.text
    r = client.get("/rows", params={"text": "<b>bold</b>"})
    assert "<b>bold</b>" not in r.text


def test_api_mirrors_pages(client: TestClient, wb: Workbench) -> None:
    o = client.get("/api/overview").json()
    assert o["n_rows"] == 12
    assert o["classes"] == ["ham", "spam"]
    rows = client.get("/api/rows", params={"lf": "kw_http", "limit": 2}).json()
    assert rows["total"] == 3
    assert len(rows["rows"]) == 2
    assert client.get("/api/rows/4").json()["text"].startswith("check http")


def test_labels_need_csrf(client: TestClient, wb: Workbench) -> None:
    r = client.post("/api/labels", json={"position": 1, "label": "ham"})
    assert r.status_code == 403
    r = client.post(
        "/api/labels",
        json={"position": 1, "label": "ham"},
        headers={"X-CSRF-Token": "wrong"},
    )
    assert r.status_code == 403
    assert wb.project.labels() == {}
    r = _post(client, "/api/labels", {"position": 1, "label": "ham"})
    assert r.status_code == 200
    assert r.json()["row"]["label"] == "ham"
    assert wb.project.labels() == {1: 0}


def test_foreign_origin_refused(client: TestClient, wb: Workbench) -> None:
    r = client.post(
        "/api/labels",
        json={"position": 1, "label": "ham"},
        headers={"X-CSRF-Token": "test-csrf", "Origin": "http://evil.example"},
    )
    assert r.status_code == 403
    assert wb.project.labels() == {}


def test_foreign_host_refused(client: TestClient) -> None:
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_label_undo_skip(client: TestClient, wb: Workbench) -> None:
    _post(client, "/api/labels", {"position": 2, "label": 1})
    _post(client, "/api/labels", {"position": 3, "label": "ham"})
    undone = _post(client, "/api/undo").json()["row"]
    assert undone["position"] == 3
    assert wb.project.labels() == {2: 1}
    _post(client, "/api/skip", {"position": 6})
    assert wb.project.skips() == {6}
    bad = _post(client, "/api/labels", {"position": 99, "label": "ham"})
    assert bad.status_code == 400
    assert "out of range" in bad.json()["error"]
    bad = _post(client, "/api/labels", {"position": 1, "label": "eggs"})
    assert bad.status_code == 400
    assert "Unknown class 'eggs'" in bad.json()["error"]


def test_rule_preview_accept_and_refit(client: TestClient, wb: Workbench) -> None:
    p = client.get(
        "/api/rules/preview", params={"kind": "keyword", "pattern": "free", "label": 1}
    ).json()
    assert p["n_fired"] == 2
    assert len(p["examples"]) == 2
    r = _post(
        client,
        "/api/rules",
        {"name": "kw_free", "kind": "keyword", "pattern": "free", "label": 1},
    )
    assert r.status_code == 200
    assert "kw_free" in client.get("/rules").text
    job = _post(client, "/api/jobs/fit").json()
    assert job["kind"] == "fit"
    wb.wait(60)
    o = client.get("/api/overview").json()
    assert o["n_rules"] == 1
    assert o["n_runs"] == 2
    assert o["lfs"][-1]["name"] == "kw_free"


def test_refit_form_post(client: TestClient, wb: Workbench) -> None:
    r = client.post("/refit", data={"csrf_token": "test-csrf"}, follow_redirects=False)
    assert r.status_code == 303
    wb.wait(60)
    assert len(wb.project.runs()) == 2
    assert client.post("/refit", data={"csrf_token": "nope"}).status_code == 403


def test_exports(client: TestClient, wb: Workbench) -> None:
    _post(client, "/api/labels", {"position": 0, "label": "spam"})
    soft = pd.read_csv(io.BytesIO(client.get("/export/soft-labels.csv").content))
    assert list(soft.columns[:3]) == ["id", "proba_ham", "proba_spam"]
    assert len(soft) == 12
    parquet = pd.read_parquet(
        io.BytesIO(client.get("/export/soft-labels.parquet").content)
    )
    assert len(parquet) == 12
    gold = pd.read_csv(io.BytesIO(client.get("/export/gold.csv").content))
    assert gold[["position", "label"]].values.tolist() == [[0, "spam"]]
    assert client.get("/export/rules.json").json()["classes"] == ["ham", "spam"]
    model = client.get("/export/model.json")
    assert model.status_code == 200
    assert b"LabelModel" in model.content
    assert client.get("/export/soft-labels.xlsx").status_code == 400


def test_access_token_when_set(wb: Workbench) -> None:
    settings = AppSettings(host="0.0.0.0", token="secret-token", csrf_token="c")
    client = TestClient(create_app(wb, settings))
    assert client.get("/").status_code == 401
    r = client.get("/", params={"token": "secret-token"})
    assert r.status_code == 200
    assert client.get("/api/overview").status_code == 200  # the cookie is kept
    other = TestClient(create_app(wb, settings))
    auth = {"Authorization": "Bearer secret-token"}
    assert other.get("/api/overview", headers=auth).status_code == 200
    assert other.get("/api/overview", params={"token": "nope"}).status_code == 401


def test_suggested_rules(client: TestClient, wb: Workbench) -> None:
    assert client.get("/api/rules/suggestions").json() == {"suggestions": []}
    for position, label in [(4, 1), (10, 1), (0, 1), (1, 0), (2, 0), (7, 0)]:
        _post(client, "/api/labels", {"position": position, "label": label})
    found = client.get("/api/rules/suggestions").json()["suggestions"]
    assert found, "six labeled rows give at least one suggestion"
    names = {s["name"] for s in found}
    assert not names & set(wb.names)  # never an LF the project already has
    for s in found:
        preview = client.get(
            "/api/rules/preview",
            params={"kind": s["kind"], "pattern": s["pattern"], "label": s["label"]},
        ).json()
        # the preview counts the same rows as the suggestion's coverage
        assert preview["n_fired"] == round(s["coverage"] * 12)
