"""Fixtures of the web-app tests: an in-process app (pages and API) and a real server.

``app_client`` runs the app in this process without the job queue (fast page and API
tests); ``live_server`` starts ``formcheck serve`` in a child process on a free port, with
its own data folder and database, so uploads are analysed by real worker processes.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import REPO, SHARED

# Short clips (the pose pass is the slow part); licence NONE: read from ../shared only.
SHORT_CLIP = SHARED / "clips" / "side_deadlift_good_neutral_back.mp4"
SQUAT_CLIP = SHARED / "clips" / "side_barbell_squat_3reps.mp4"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running ``formcheck serve``: its URL, token (if any), data folder and process."""

    url: str
    token: str | None
    data_dir: Path
    db_url: str
    proc: subprocess.Popen[str]
    args: list[str]
    env: dict[str, str]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(tmp: Path, *, host: str = "127.0.0.1", workers: int = 1,
                 extra: tuple[str, ...] = (), cache_dir: Path | None = None,
                 port: int | None = None) -> LiveServer:
    """Start ``formcheck serve`` and return once it answers (or fail with its output)."""
    port = port or free_port()
    db_url = f"sqlite:///{tmp / 'web.db'}"
    args = [sys.executable, "-m", "formcheck", "serve", "--host", host, "--port", str(port),
            "--data-dir", str(tmp / "data"), "--db", db_url, "--workers", str(workers), *extra]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src")
    if cache_dir is not None:
        env["FORMCHECK_CACHE_DIR"] = str(cache_dir)
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    assert proc.stdout is not None
    line = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "formcheck web app:" in line or proc.poll() is not None:
            break
    match = re.search(r"(http://\S+)", line)
    if match is None:
        proc.kill()
        raise AssertionError(f"server did not start: {line!r} {proc.stdout.read()[:2000]}")
    url = match.group(1)
    token = url.split("token=", 1)[1] if "token=" in url else None
    base = url.split("?", 1)[0]
    _wait_until_up(base, token)
    return LiveServer(base, token, tmp / "data", db_url, proc, args, env)


def _wait_until_up(base: str, token: str | None) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(200):
        try:
            if httpx.get(base + "healthz", headers=headers, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server at {base} never answered")


@pytest.fixture(scope="session")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The short deadlift clip scaled to 640x360 (cheap to decode and draw), made at test time."""
    from ..clipgen import cut, resize

    if not SHORT_CLIP.exists():
        pytest.skip(f"shared clips not found at {SHARED}")
    dst = tmp_path_factory.mktemp("clips") / "small_deadlift.mp4"
    return cut(SHORT_CLIP, dst, 10_000, transform=lambda f: resize(f, 640, 360))


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[object]:
    """A TestClient of the app with the job queue stopped, its CSRF cookie already set."""
    from fastapi.testclient import TestClient

    from formcheck.web.app import create_app
    from formcheck.web.settings import WebSettings

    app = create_app(WebSettings(data_dir=tmp_path / "data", db_url=f"sqlite:///{tmp_path}/t.db",
                                 max_upload_bytes=8 << 20), start_jobs=False)
    with TestClient(app) as client:
        client.get("/")
        yield client


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, pose_cache: Path) -> Iterator[LiveServer]:
    """One real server for a test module, one worker, the shared pose cache."""
    if not SHORT_CLIP.exists():
        pytest.skip(f"shared clips not found at {SHARED}")
    server = start_server(tmp_path_factory.mktemp("web"), cache_dir=pose_cache)
    yield server
    server.stop()


EXAMPLES = REPO / "examples" / "triage"


def example_answers() -> dict[str, dict]:
    """Return the example answers files (one per verdict) by verdict, without log signals."""
    import json

    import yaml

    out = {}
    for path in sorted(EXAMPLES.glob("*.y*ml")) + sorted(EXAMPLES.glob("see_*.json")):
        doc = yaml.safe_load(path.read_text()) if path.suffix != ".json" else json.loads(
            path.read_text())
        doc.pop("training", None)  # the form has no log signals; /log feeds those
        out[path.stem] = doc
    return out


def form_fields(answers: dict) -> dict[str, list[str]]:
    """Return the triage form's fields (name -> values) for an answers document."""
    def text(v: object) -> str:
        if isinstance(v, bool):
            return "y" if v else "n"
        return f"{v:g}" if isinstance(v, float) else str(v)

    fields: dict[str, list[str]] = {}
    for key, value in answers.items():
        if key == "schema":
            continue
        if key == "red_flags":
            fields.update({f"red_flag:{k}": [text(v)] for k, v in value.items()})
        elif key == "severity":
            fields.update({f"severity.{k}": [text(v)] for k, v in value.items()})
        elif isinstance(value, list):
            fields[key] = [str(v) for v in value]
        else:
            fields[key] = [text(value)]
    return fields
