"""The job queue: at most ``workers`` analysis processes at a time, the rest wait queued.

A thread in the server claims the oldest queued job whenever a slot is free and starts
:mod:`formcheck.web.worker` for it in a new process group, so a cancel (or a server stop)
ends that process and everything it started, and nothing else.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.log.db import LogDatabase
from formcheck.web import jobs
from formcheck.web.settings import WebSettings

log = logging.getLogger("formcheck.web")


@dataclass
class JobRunner:
    """Start, watch and cancel the worker processes of the queued jobs."""

    db: LogDatabase
    settings: WebSettings
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _wake: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> list[tuple[str, str]]:
        """Recover jobs a stopped server left running, start the loop; return the recovered."""
        recovered = jobs.recover_after_restart(self.db)
        for job_id, status in recovered:
            log.warning("job %s was cut off by a restart: now %s", job_id, status)
        self._thread = threading.Thread(target=self._loop, name="formcheck-jobs", daemon=True)
        self._thread.start()
        return recovered

    def wake(self) -> None:
        """Look at the queue now rather than at the next poll (a job was just queued)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the loop and end the running workers (their jobs are re-queued next start)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for proc in self.running.values():
                _end_group(proc)
            self.running.clear()

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; return False when it was neither."""
        changed = jobs.fail_job(self.db, job_id, "cancelled by the user", status="cancelled")
        with self._lock:
            proc = self.running.pop(job_id, None)
        if proc is not None:
            _end_group(proc)
        self.wake()
        return changed

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._reap()
                self._fill()
            except Exception:  # the queue must outlive one bad poll (e.g. a locked database)
                log.exception("job queue poll failed")
            self._wake.wait(self.settings.poll_s)
            self._wake.clear()

    def _reap(self) -> None:
        with self._lock:
            finished = [(k, p) for k, p in self.running.items() if p.poll() is not None]
            for job_id, _ in finished:
                del self.running[job_id]
        for job_id, proc in finished:
            job = jobs.get_job(self.db, job_id)
            if job is not None and job.status == "running":
                # The worker died without saying why (killed, out of memory, crashed).
                jobs.fail_job(self.db, job_id,
                              f"the analysis process stopped unexpectedly (exit {proc.returncode})")

    def _fill(self) -> None:
        while len(self.running) < self.settings.workers and not self._stop.is_set():
            job = jobs.claim_next(self.db)
            if job is None:
                return
            with self._lock:
                self.running[job.id] = self._spawn(job.id)

    def _spawn(self, job_id: str) -> subprocess.Popen[bytes]:
        s = self.settings
        assert s.db_url is not None
        args = [sys.executable, "-m", "formcheck.web.worker", s.db_url, str(s.data_dir), job_id,
                str(s.cache_dir or "")]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in [_src_root(), env.get("PYTHONPATH")] if p)
        return subprocess.Popen(args, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=None)


def _src_root() -> str:
    """Return the folder that holds the ``formcheck`` package this server runs."""
    return str(Path(__file__).resolve().parents[2])


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    """End a worker and the processes it started (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    proc.wait(timeout=5)
