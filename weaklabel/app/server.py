"""The workbench's web server: a FastAPI app over a :class:`Workbench`.

Every page is server-rendered (Jinja2, autoescaped) and has a JSON twin
under ``/api``; the little JavaScript the pages use is vendored in
``static/`` (no CDN, works offline).  Security:

- the app is meant for 127.0.0.1; it checks the ``Host`` header so a web
  page elsewhere cannot reach it through DNS rebinding;
- when an access token is set (always, when bound to another address), every
  request must carry it: once as ``?token=...`` (it is then kept in a cookie),
  or as an ``Authorization: Bearer`` header;
- every state change is a POST carrying the page's CSRF token in the
  ``X-CSRF-Token`` header (or a ``csrf_token`` form field), and a foreign
  ``Origin`` is refused.
"""

from __future__ import annotations

import hmac
import io
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from fastapi import FastAPI, Request
    from fastapi.responses import (
        HTMLResponse,
        JSONResponse,
        PlainTextResponse,
        RedirectResponse,
        Response,
    )
    from fastapi.staticfiles import StaticFiles
    from fastapi.templating import Jinja2Templates
except ImportError as exc:  # pragma: no cover - the app extra is missing
    raise ImportError(
        "The workbench needs FastAPI, uvicorn and Jinja2: pip install 'weaklabel[app]'"
    ) from exc

import pandas as pd

from weaklabel.app.rows import RowFilter
from weaklabel.app.workbench import Workbench
from weaklabel.exceptions import WeakLabelError

__all__ = ["AppSettings", "create_app"]

_HERE = Path(__file__).parent
_TOKEN_COOKIE = "weaklabel_token"


@dataclass
class AppSettings:
    """Settings of one workbench server.

    Parameters
    ----------
    host : str
        The address the server binds to (checked against the Host header).
    port : int
        The port.
    token : str or None
        Access token every request must carry; None = no token (loopback).
    csrf_token : str
        Token every POST must carry; random per server start.
    allowed_hosts : list of str
        Host names accepted in the ``Host`` header.
    """

    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    allowed_hosts: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        """Host header values accepted (without the port)."""
        base = {"127.0.0.1", "localhost", "[::1]", "testserver", self.host}
        return base | set(self.allowed_hosts)


def create_app(workbench: Workbench, settings: AppSettings | None = None) -> Any:
    """Build the ASGI app serving ``workbench``.

    Parameters
    ----------
    workbench : Workbench
        The engine; the app only calls its methods.
    settings : AppSettings, default=None
        Host, port, tokens; defaults to loopback without an access token.

    Returns
    -------
    fastapi.FastAPI
    """
    settings = settings or AppSettings()
    app = FastAPI(title="weaklabel workbench", docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    wb = workbench

    # ------------------------------------------------------------ middleware
    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Any:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        if host.startswith("[") or ":" not in host:
            pass
        if host and host not in settings.hosts():
            return PlainTextResponse(
                f"Host {host!r} is not allowed; open the workbench at"
                f" http://{settings.host}:{settings.port}/",
                status_code=400,
            )
        set_cookie = False
        if settings.token is not None:
            given = (
                request.query_params.get("token")
                or request.cookies.get(_TOKEN_COOKIE)
                or request.headers.get("authorization", "").removeprefix("Bearer ")
            )
            if not given or not hmac.compare_digest(given, settings.token):
                return PlainTextResponse(
                    "This workbench needs its access token: open the URL printed"
                    " when the server started (it ends in ?token=...).",
                    status_code=401,
                )
            set_cookie = request.query_params.get("token") is not None
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin is not None:
                origin_host = origin.split("://", 1)[-1].rsplit(":", 1)[0]
                if origin_host not in settings.hosts():
                    return PlainTextResponse(
                        f"Cross-origin request from {origin!r} refused.",
                        status_code=403,
                    )
            sent = request.headers.get("x-csrf-token")
            if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await request.form()
                value = form.get("csrf_token")
                sent = value if isinstance(value, str) else None
            if not sent or not hmac.compare_digest(sent, settings.csrf_token):
                return PlainTextResponse(
                    "Missing or wrong CSRF token: reload the page and try again.",
                    status_code=403,
                )
        response = await call_next(request)
        if set_cookie and settings.token is not None:
            response.set_cookie(
                _TOKEN_COOKIE, settings.token, httponly=True, samesite="strict"
            )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'"
            " 'unsafe-inline'; script-src 'self'; object-src 'none';"
            " frame-ancestors 'none'"
        )
        return response

    @app.exception_handler(WeakLabelError)
    async def weaklabel_error(request: Request, exc: WeakLabelError) -> Any:
        message = " ".join(str(exc).split())
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=400)
        return templates.TemplateResponse(
            request, "error.html", _ctx(message=message), status_code=400
        )

    def _ctx(**extra: Any) -> dict[str, Any]:
        return {
            "csrf_token": settings.csrf_token,
            "classes": list(wb.classes),
            "job": wb.job.as_dict(),
            **extra,
        }

    # ----------------------------------------------------------------- pages
    @app.get("/", response_class=HTMLResponse)
    async def overview_page(request: Request) -> Any:
        return templates.TemplateResponse(
            request, "overview.html", _ctx(page="overview", o=wb.overview())
        )

    @app.get("/rows", response_class=HTMLResponse)
    async def rows_page(request: Request) -> Any:
        flt, offset, limit = _row_query(request, wb)
        result = wb.rows(flt, offset=offset, limit=limit)
        return templates.TemplateResponse(
            request,
            "rows.html",
            _ctx(
                page="rows",
                result=result,
                flt=flt,
                names=wb.names,
                query=dict(request.query_params),
            ),
        )

    @app.get("/label", response_class=HTMLResponse)
    async def label_page(request: Request) -> Any:
        return templates.TemplateResponse(request, "label.html", _ctx(page="label"))

    @app.get("/rules", response_class=HTMLResponse)
    async def rules_page(request: Request) -> Any:
        return templates.TemplateResponse(
            request,
            "rules.html",
            _ctx(page="rules", rules=wb.project.rules()),
        )

    @app.get("/export", response_class=HTMLResponse)
    async def export_page(request: Request) -> Any:
        return templates.TemplateResponse(
            request, "export.html", _ctx(page="export", fitted=wb.proba is not None)
        )

    @app.get("/report", response_class=HTMLResponse)
    async def report_fragment(request: Request) -> Any:
        from weaklabel.report import report_sections

        if wb.model is None:
            return HTMLResponse("<p>The label model is not fitted yet.</p>")
        y = wb.gold()
        sample = _report_rows(wb.n_rows)
        votes = pd.DataFrame(wb.fitted_votes[sample], columns=wb.fitted_names)
        sections = report_sections(
            votes,
            y[sample] if (y[sample] >= 0).any() else None,
            model=wb.model,
            data=wb.frame.iloc[sample],
            text_column=wb.text_column,
            classes=list(wb.classes),
        )
        return templates.TemplateResponse(
            request, "report_fragment.html", {"sections": sections}
        )

    # ------------------------------------------------------------------- API
    @app.get("/api/overview")
    async def api_overview() -> Any:
        return wb.overview()

    @app.get("/api/rows")
    async def api_rows(request: Request) -> Any:
        flt, offset, limit = _row_query(request, wb)
        return wb.rows(flt, offset=offset, limit=limit)

    @app.get("/api/rows/{position}")
    async def api_row(position: int) -> Any:
        return wb.row(position)

    @app.get("/api/queue")
    async def api_queue(n: int = 20) -> Any:
        positions = wb.queue(min(max(n, 1), 200))
        return {"rows": [wb.row(p) for p in positions]}

    @app.post("/api/labels")
    async def api_label(request: Request) -> Any:
        body = await _json(request)
        started = time.perf_counter()
        row = wb.add_label(
            _int(body, "position"), body.get("label"), str(body.get("author", "user"))
        )
        return {"row": row, "seconds": time.perf_counter() - started}

    @app.post("/api/undo")
    async def api_undo(request: Request) -> Any:
        body = await _json(request)
        return {"row": wb.undo(str(body.get("author", "user")))}

    @app.post("/api/skip")
    async def api_skip(request: Request) -> Any:
        body = await _json(request)
        wb.skip(_int(body, "position"), str(body.get("author", "user")))
        return {"ok": True}

    @app.get("/api/rules/preview")
    async def api_preview(kind: str, pattern: str, label: str) -> Any:
        return wb.preview_rule(kind, pattern, label).as_dict()

    @app.get("/api/rules/suggestions")
    async def api_suggestions(n: int = 10) -> Any:
        return {"suggestions": wb.suggested_rules(min(max(n, 1), 50))}

    @app.get("/api/rules")
    async def api_rules() -> Any:
        return {"rules": [vars(r) for r in wb.project.rules()]}

    @app.post("/api/rules")
    async def api_accept(request: Request) -> Any:
        body = await _json(request)
        rule = wb.accept_rule(
            str(body.get("name", "")),
            str(body.get("kind", "")),
            str(body.get("pattern", "")),
            body.get("label"),
        )
        return {"rule": vars(rule)}

    @app.post("/api/rules/{name}/delete")
    async def api_remove_rule(name: str) -> Any:
        return {"removed": wb.remove_rule(name)}

    @app.post("/api/jobs/{kind}")
    async def api_job(kind: str) -> Any:
        return wb.start_job(kind).as_dict()

    @app.post("/refit")
    async def refit_form() -> Any:
        wb.start_job("fit")
        return RedirectResponse("/", status_code=303)

    @app.get("/api/job")
    async def api_job_status() -> Any:
        return wb.job.as_dict()

    # ---------------------------------------------------------------- export
    @app.get("/export/soft-labels.{fmt}")
    async def export_soft(fmt: str) -> Any:
        import tempfile

        if fmt not in ("csv", "parquet"):
            raise WeakLabelError(f"Export format must be csv or parquet; got {fmt!r}.")
        with tempfile.TemporaryDirectory() as tmp:
            content = wb.write_soft_labels(
                Path(tmp) / f"soft-labels.{fmt}"
            ).read_bytes()
        return Response(
            content,
            media_type="text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
            headers={
                "Content-Disposition": f'attachment; filename="soft-labels.{fmt}"'
            },
        )

    @app.get("/export/gold.{fmt}")
    async def export_gold(fmt: str) -> Any:
        return _table_response(wb.gold_frame(), fmt, "gold", Response, index=False)

    @app.get("/export/rules.json")
    async def export_rules() -> Any:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = wb.write_rules(Path(tmp) / "rules.json")
            content = path.read_bytes()
        return Response(
            content,
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="rules.json"'},
        )

    @app.get("/export/model.json")
    async def export_model() -> Any:
        if wb.model is None:
            raise WeakLabelError("The label model is not fitted yet; press refit.")
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.json"
            wb.model.save(path)
            content = path.read_bytes()
        return Response(
            content,
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="model.json"'},
        )

    return app


def _report_rows(n: int, limit: int = 20_000) -> Any:
    """Positions the report is drawn from: all rows, or an even sample of them."""
    import numpy as np

    if n <= limit:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).astype(np.int64)


def _row_query(request: Any, wb: Workbench) -> tuple[RowFilter, int, int]:
    q = request.query_params

    def _opt_float(name: str) -> float | None:
        value = q.get(name, "")
        if value == "":
            return None
        try:
            return float(value)
        except ValueError as exc:
            raise WeakLabelError(
                f"The filter {name!r} must be a number; got {value!r}."
            ) from exc

    predicted = q.get("predicted", "")
    flt = RowFilter(
        text=q.get("text", ""),
        lf=q.get("lf", ""),
        conflict=q.get("conflict", "") in ("1", "on", "true"),
        predicted=wb.class_index(predicted) if predicted != "" else None,
        confidence_below=_opt_float("confidence_below"),
        labeled=q.get("labeled", "") if q.get("labeled", "") in ("yes", "no") else "",
        disagrees=q.get("disagrees", "") in ("1", "on", "true"),
    )
    try:
        offset = int(q.get("offset", 0))
        limit = int(q.get("limit", 50))
    except ValueError as exc:
        raise WeakLabelError("offset and limit must be whole numbers.") from exc
    return flt, offset, limit


async def _json(request: Any) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise WeakLabelError("The request body must be a JSON object.") from exc
    if not isinstance(body, dict):
        raise WeakLabelError(
            f"The request body must be a JSON object; got {type(body).__name__}."
        )
    return body


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WeakLabelError(f"{key!r} must be a whole number; got {value!r}.")
    return value


def _table_response(
    frame: Any, fmt: str, stem: str, response_cls: Any, *, index: bool = True
) -> Any:
    if fmt == "csv":
        content = frame.to_csv(index=index, float_format="%.17g").encode()
        media = "text/csv"
    elif fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=index)
        content = buffer.getvalue()
        media = "application/vnd.apache.parquet"
    else:
        raise WeakLabelError(f"Export format must be csv or parquet; got {fmt!r}.")
    return response_cls(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )
