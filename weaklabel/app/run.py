"""Start the workbench: build the engine, the app and a uvicorn server."""

from __future__ import annotations

import ipaddress
import logging
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from weaklabel.exceptions import WeakLabelError

__all__ = ["demo_sources", "serve"]

logger = logging.getLogger(__name__)


def demo_sources() -> tuple[Any, Path]:
    """The bundled YouTube comments and the path of the example LF module."""
    import importlib.util

    from weaklabel.datasets import load_youtube

    spec = importlib.util.find_spec("weaklabel.examples.youtube")
    if spec is None or spec.origin is None:
        path = Path(__file__).resolve().parents[2] / "labeling_functions" / "youtube.py"
    else:
        path = Path(spec.origin)
    return load_youtube(), path


def is_loopback(host: str) -> bool:
    """Whether ``host`` names a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve(
    *,
    data: str | None,
    lfs: str | None,
    demo: bool,
    project: str,
    registry: str | None = None,
    text_column: str = "text",
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 0,
    open_browser: bool = True,
    announce: Callable[[str], None] = logger.warning,
) -> int:
    """Run the workbench server until interrupted; return the exit code."""
    try:
        import uvicorn
    except ImportError as exc:
        raise ImportError(
            "The workbench needs FastAPI, uvicorn and Jinja2: pip install"
            " 'weaklabel[app]'"
        ) from exc
    from weaklabel.app.server import AppSettings, create_app
    from weaklabel.app.workbench import Workbench

    if demo:
        if data is not None or lfs is not None:
            raise WeakLabelError(
                "--demo brings its own data and LFs; drop --data and --lfs."
            )
        frame, lf_path = demo_sources()
        source: Any = frame
        lfs_source: Any = lf_path
    else:
        if data is None or lfs is None:
            raise WeakLabelError(
                "weaklabel app needs --data FILE and --lfs MODULE.py (or --demo for"
                " the bundled YouTube comments)."
            )
        source, lfs_source = data, lfs
    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    port = free_port(host if is_loopback(host) else "0.0.0.0") if port == 0 else port
    wb = Workbench(
        source,
        lfs_source,
        project,
        text_column=text_column,
        registry_name=registry,
        random_state=seed,
    )
    wb.start_job("apply")
    settings = AppSettings(host=host, port=port, token=token)
    app = create_app(wb, settings)
    url = f"http://{host}:{port}/" + (f"?token={token}" if token else "")
    announce(f"weaklabel workbench: {url}  (project: {project}; Ctrl+C stops)")
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    server.run()  # uvicorn handles SIGINT / SIGTERM and returns
    announce("weaklabel workbench stopped")
    return 0
