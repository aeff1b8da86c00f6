"""A real ``formcheck serve`` in a child process: token off loopback, uploads analysed by
worker processes, an oversize upload refused while it streams, a restart mid-job, a burst
of uploads that respects the queue."""

from __future__ import annotations

import datetime as dt
import os
import select
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .conftest import SHORT_CLIP, LiveServer, start_server

pytestmark = pytest.mark.clips


def _client(server: LiveServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
    client = httpx.Client(base_url=server.url, headers=headers, timeout=30)
    client.get("/")
    client.headers["X-CSRF-Token"] = client.cookies["fc_csrf"]
    return client


def upload(client: httpx.Client, clip: Path = SHORT_CLIP, **fields: str) -> dict:
    r = client.post("/api/analyses", files={"video": (clip.name, clip.read_bytes())},
                    data=fields)
    assert r.status_code == 202, r.text
    return r.json()


def wait_for(client: httpx.Client, job_id: str, statuses=("done", "failed", "cancelled"),
             timeout: float = 150) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_upload_is_analysed_served_and_deleted(live_server: LiveServer) -> None:
    client = _client(live_server)
    job = upload(client, lift="deadlift")
    done = wait_for(client, job["id"])
    assert done["status"] == "done", done
    assert done["reps"] >= 1 and done["lift"] == "deadlift"
    analysis = client.get(f"/api/analyses/{job['id']}").json()
    assert analysis["schema"] == "formcheck.analysis/1" and len(analysis["reps"]) == done["reps"]
    video = client.get(done["links"]["video"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    today = dt.date.today()
    found = {q: [j["id"] for j in client.get("/api/analyses?" + q).json()["items"]]
             for q in ("lift=deadlift", "lift=squat", f"date_from={today + dt.timedelta(1)}",
                       f"date_from={today}&date_to={today}")}
    assert job["id"] in found["lift=deadlift"] and job["id"] not in found["lift=squat"]
    assert job["id"] not in found[f"date_from={today + dt.timedelta(1)}"]
    assert job["id"] in found[f"date_from={today}&date_to={today}"]
    page = client.get("/analyses?lift=squat").text
    assert job["id"] not in page
    folder = live_server.data_dir / "jobs" / job["id"]
    assert (folder / "report" / "annotated.mp4").exists()
    assert client.delete(f"/api/analyses/{job['id']}").status_code == 200
    assert not folder.exists()
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404


def test_off_loopback_every_request_needs_the_token(tmp_path: Path) -> None:
    server = start_server(tmp_path, host="0.0.0.0")
    try:
        assert server.token and len(server.token) >= 24
        for path in ("/", "/api/analyses", "/log", "/static/app.js", "/api/openapi.json"):
            r = httpx.get(server.url + path.lstrip("/"))
            assert r.status_code == 401, path
        assert httpx.get(server.url + "api/analyses").json()["error"]["code"] == "unauthorized"
        wrong = {"Authorization": "Bearer " + "x" * len(server.token)}
        assert httpx.get(server.url, headers=wrong).status_code == 401
        # The printed URL carries the token once; the cookie keeps it for the next requests.
        with httpx.Client() as c:
            assert c.get(server.url + f"?token={server.token}").status_code == 200
            assert c.get(server.url + "analyses").status_code == 200
    finally:
        server.stop()


def test_oversize_upload_is_refused_while_it_streams(tmp_path: Path) -> None:
    server = start_server(tmp_path, extra=("--max-upload-mb", "2"))
    try:
        client = _client(server)
        host, port = server.url.split("//")[1].rstrip("/").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.settimeout(10)
            head = (f"POST /api/analyses HTTP/1.1\r\nHost: {host}\r\n"
                    f"Cookie: fc_csrf={client.cookies['fc_csrf']}\r\n"
                    f"X-CSRF-Token: {client.cookies['fc_csrf']}\r\n"
                    "Content-Type: multipart/form-data; boundary=B\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n")
            sock.sendall(head.encode())
            part = (b'--B\r\nContent-Disposition: form-data; name="video"; filename="big.mp4"'
                    b"\r\n\r\n")
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            sent = 0
            chunk = b"\0" * (256 * 1024)
            try:
                while sent < 64 << 20:  # we would send 64 MiB; the limit is 2
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                    if select.select([sock], [], [], 0)[0]:
                        break  # the answer came while we were still sending
            except (BrokenPipeError, ConnectionResetError):
                pass
            reply = sock.recv(4096).decode("latin-1")
        assert reply.startswith("HTTP/1.1 413"), reply[:200]
        assert sent < 16 << 20, f"the server read {sent >> 20} MiB before refusing"
        assert not list((server.data_dir / "tmp").glob("*"))
        assert not (server.data_dir / "jobs").exists() or not list(
            (server.data_dir / "jobs").iterdir())
    finally:
        server.stop()


def test_cancel_stops_a_running_job_and_its_process(tmp_path: Path, small_clip: Path) -> None:
    server = start_server(tmp_path, cache_dir=tmp_path / "cold-cache")
    try:
        client = _client(server)
        job = upload(client, small_clip)
        wait_for(client, job["id"], statuses=("running",), timeout=60)
        r = client.post(f"/api/jobs/{job['id']}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        time.sleep(1.5)
        after = client.get(f"/api/jobs/{job['id']}").json()
        assert after["status"] == "cancelled" and after["message"] == "cancelled by the user"
        assert not (server.data_dir / "jobs" / job["id"] / "report" / "analysis.json").exists()
        assert client.post(f"/api/jobs/{job['id']}/cancel").status_code == 409
        assert client.get("/healthz").json()["running"] == 0
    finally:
        server.stop()


def test_restart_mid_job_requeues_it_and_never_shows_it_done(tmp_path: Path,
                                                            small_clip: Path) -> None:
    cache = tmp_path / "cold-cache"  # a cold cache keeps the job running long enough
    server = start_server(tmp_path, cache_dir=cache)
    client = _client(server)
    job = upload(client, small_clip)
    wait_for(client, job["id"], statuses=("running",), timeout=60)
    deadline = time.monotonic() + 60
    while client.get(f"/api/jobs/{job['id']}").json()["stage"] in ("starting", "queued"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    os.kill(server.proc.pid, signal.SIGKILL)  # no clean shutdown: a crash or power cut
    server.proc.wait()
    again = start_server(tmp_path, cache_dir=cache, port=int(server.url.rsplit(":", 1)[1][:-1]))
    try:
        client2 = _client(again)
        first = client2.get(f"/api/jobs/{job['id']}").json()
        assert first["status"] in ("queued", "running"), first
        assert "re-queued" in first["message"]
        assert first["attempts"] >= 1
        done = wait_for(client2, job["id"])
        assert done["status"] == "done" and done["attempts"] == 2, done
    finally:
        again.stop()


def test_a_burst_of_uploads_respects_the_queue_and_memory_stays_bounded(
        tmp_path: Path, pose_cache: Path, small_clip: Path) -> None:
    server = start_server(tmp_path, workers=2, cache_dir=pose_cache)
    try:
        client = _client(server)
        before = _rss_kb(server.proc.pid)
        with ThreadPoolExecutor(8) as pool:  # eight uploads at once
            ids = [j["id"] for j in pool.map(lambda _: upload(client, small_clip), range(8))]
        most_running, pending = 0, set(ids)
        deadline = time.monotonic() + 240
        while pending and time.monotonic() < deadline:
            items = client.get("/api/analyses?limit=20").json()["items"]
            running = sum(1 for j in items if j["status"] == "running")
            most_running = max(most_running, running)
            assert running <= 2
            pending = {j["id"] for j in items if j["status"] in ("queued", "running")}
            time.sleep(0.3)
        statuses = {j["id"]: j["status"] for j in client.get("/api/analyses").json()["items"]}
        assert all(statuses[i] == "done" for i in ids), statuses
        assert most_running >= 1
        grown_mb = (_rss_kb(server.proc.pid) - before) / 1024
        assert grown_mb < 80, f"server memory grew {grown_mb:.0f} MB over 8 uploads"
    finally:
        server.stop()
