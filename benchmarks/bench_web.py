"""Benchmark of the web app (issue 10) against a real ``formcheck serve`` on loopback.

Usage::

    python benchmarks/bench_web.py [--requests 200] [--upload-mb 256] [--jobs 6]

What it measures, in one run:

1. Page latency (p50/p95 over ``--requests`` GETs each) of the history page, a report page
   and the log page, with 1,000 stored analyses (one real, 999 rows in the jobs table) and
   ~50,000 logged sets (bench_log.generate: 10 years of a Strong export, imported with the
   library). Baseline: ``/healthz`` (no database, no template) in the same run.
2. Upload throughput: ``--upload-mb`` MiB streamed to ``/api/analyses`` over loopback, with
   the server's resident memory sampled during the upload (it must stay flat: the upload
   goes to disk in 1 MiB pieces). The bytes are not a video, so the probe refuses them at
   the end; the time is the streaming receive. Baseline: the same bytes written to a file.
3. Jobs per minute with 1 and 2 workers: ``--jobs`` uploads of a short shared clip with a
   warm pose cache (so the number is the app's own cost: worker start, analysis stages,
   annotated video, report), wall time from the first upload to the last job done.

Targets (issue 10): p95 < 100 ms; upload >= 100 MB/s with flat memory.
Writes ``benchmarks/results/bench_web.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests"), str(REPO / "benchmarks"), str(REPO)]

from bench_log import generate  # noqa: E402
from tests.web.conftest import SHORT_CLIP, start_server  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "bench_web.json"


def _client(server) -> httpx.Client:
    c = httpx.Client(base_url=server.url, timeout=120)
    c.get("/")
    c.headers["X-CSRF-Token"] = c.cookies["fc_csrf"]
    return c


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _wait_done(c: httpx.Client, ids: list[str], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = c.get("/api/analyses?limit=500").json()["items"]
        state = {j["id"]: j["status"] for j in items}
        if all(state.get(i) in ("done", "failed", "cancelled") for i in ids):
            bad = [i for i in ids if state[i] != "done"]
            if bad:
                raise SystemExit(f"jobs failed: {bad}")
            return
        time.sleep(0.2)
    raise SystemExit("jobs did not finish in time")


def _upload_clip(c: httpx.Client) -> str:
    r = c.post("/api/analyses", files={"video": (SHORT_CLIP.name, SHORT_CLIP.read_bytes())})
    r.raise_for_status()
    return r.json()["id"]


def _fill(server, real_id: str, n_jobs: int, years: int, tmp: Path) -> int:
    """Add n_jobs-1 synthetic jobs rows (copies of the real one) and ~50,000 sets."""
    from sqlalchemy import insert

    from formcheck.log import records
    from formcheck.log.db import open_database
    from formcheck.log.importers import parse_export
    from formcheck.log.models import WebJob
    from formcheck.web import jobs

    db = open_database(server.db_url)
    real = jobs.get_job(db, real_id)
    assert real is not None
    base = {c.name: getattr(real, c.name) for c in WebJob.__table__.columns}
    rows = []
    for i in range(n_jobs - 1):
        row = dict(base, id=jobs.new_job_id(), analysis_id=None,
                   lift="squat" if i % 2 else "deadlift",
                   created_at=real.created_at.replace(microsecond=0) - __import__(
                       "datetime").timedelta(hours=i + 1))
        rows.append(row)
    with db.transaction() as s:
        s.execute(insert(WebJob), rows)
    csv_path = tmp / "strong.csv"
    n_sets = generate(csv_path, years)
    records.import_export(db, parse_export(csv_path, tz="UTC", unit="kg"))
    db.close()
    return n_sets


def _latency(c: httpx.Client, path: str, n: int) -> dict[str, float]:
    c.get(path).raise_for_status()  # warm (template compile, chart drawn once)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = c.get(path)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}


def _upload_throughput(server, c: httpx.Client, mb: int, tmp: Path) -> dict[str, float]:
    piece = os.urandom(1 << 20)
    t = time.perf_counter()
    with (tmp / "baseline.bin").open("wb") as f:
        for _ in range(mb):
            f.write(piece)
    baseline = mb / (time.perf_counter() - t)
    (tmp / "baseline.bin").unlink()
    peak, stop = [_rss_mb(server.proc.pid)], threading.Event()
    before = peak[0]

    def sample() -> None:
        while not stop.is_set():
            peak.append(_rss_mb(server.proc.pid))
            time.sleep(0.05)

    def body():
        yield b'--B\r\nContent-Disposition: form-data; name="video"; filename="big.mp4"\r\n\r\n'
        for _ in range(mb):
            yield piece
        yield b"\r\n--B--\r\n"

    watcher = threading.Thread(target=sample)
    watcher.start()
    t = time.perf_counter()
    r = c.post("/api/analyses", content=body(),
               headers={"Content-Type": "multipart/form-data; boundary=B"})
    took = time.perf_counter() - t
    stop.set()
    watcher.join()
    assert r.status_code == 422, r.text[:200]  # streamed whole, then refused by the probe
    return {"mb": mb, "mb_per_s": round(mb / took, 1), "disk_write_mb_per_s": round(baseline, 1),
            "server_rss_before_mb": round(before, 1),
            "server_rss_peak_mb": round(max(peak), 1)}


def _jobs_per_minute(workers: int, n: int, cache: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        server = start_server(Path(d), workers=workers, cache_dir=cache)
        try:
            c = _client(server)
            t = time.perf_counter()
            ids = [_upload_clip(c) for _ in range(n)]
            _wait_done(c, ids)
            took = time.perf_counter() - t
        finally:
            server.stop()
    return {"workers": workers, "jobs": n, "seconds": round(took, 1),
            "jobs_per_min": round(60 * n / took, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--upload-mb", type=int, default=256)
    ap.add_argument("--jobs", type=int, default=6)
    ap.add_argument("--analyses", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    args = ap.parse_args()
    out: dict[str, object] = {"machine": {"cpus": os.cpu_count(),
                                          "python": platform.python_version(),
                                          "load_avg": os.getloadavg()}}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cache = tmp / "pose-cache"
        server = start_server(tmp, workers=1, cache_dir=cache)
        try:
            c = _client(server)
            real = _upload_clip(c)
            _wait_done(c, [real])
            out["sets"] = _fill(server, real, args.analyses, args.years, tmp)
            out["analyses"] = args.analyses
            out["pages"] = {
                "healthz (baseline)": _latency(c, "/healthz", args.requests),
                "history": _latency(c, "/analyses", args.requests),
                "history filtered": _latency(c, "/analyses?lift=squat", args.requests),
                "report": _latency(c, f"/analyses/{real}", args.requests),
                "log": _latency(c, "/log", args.requests),
            }
            out["upload"] = _upload_throughput(server, c, args.upload_mb, tmp)
        finally:
            server.stop()
        out["jobs"] = [_jobs_per_minute(w, args.jobs, cache) for w in (1, 2)]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
