"""Frame feed: decode a clip in a child process and hand frames to the inference process.

Decoding (FFmpeg + swscale) and pose inference each keep one core busy, so running them in
separate processes lets them overlap on a 2-core machine. Frames travel through a small ring
of shared-memory slots (``transport="shared"``, the default): the child writes a frame into a
free slot and sends only the slot number; the parent hands the slot back once the model has
read it. The ring bounds memory to ``slots`` frames however long the clip is. The
``"pickle"`` transport sends each frame through a bounded queue instead; it exists so the
benchmark can measure what the shared-memory ring saves.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import RawArray
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import errors
from formcheck.capture.video import DEFAULT_MAX_SIDE, iter_frames, target_size

DEFAULT_SLOTS = 8  # lets decoding run ahead while the model starts up; 12 MB at 960 px
_POLL_S = 1.0


def _context() -> Any:
    # A plain fork is unsafe once MediaPipe's threads exist in this process (a second pose
    # pass, a test run, a long-lived server): the child can inherit a held lock and crash
    # (seen: the decoder exiting with SIGSEGV). The fork server is a clean process started
    # once, so each decoder forks from it quickly and safely. Elsewhere, spawn.
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["formcheck.capture.frame_feed"])
        return ctx
    return mp.get_context("spawn")


@contextmanager
def _ctrl_c_deferred() -> Iterator[list[bool]]:
    """Hold back Ctrl-C while child processes start; yield a list that is [True] if it came.

    The processes started inside (the fork server, on first use, and the decoder forked from
    it) inherit a blocked SIGINT, so a Ctrl-C while they import or decode is handled once,
    by this process, instead of printing their tracebacks; and this process is never left
    with a half-started child. Only the main thread can change signal handling; elsewhere
    this does nothing.
    """
    got: list[bool] = []
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield got
        return
    previous = signal.signal(signal.SIGINT, lambda *_: got.append(True))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield got
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, previous)


@dataclass
class FeedReport:
    """What the decoding child reported when it finished."""

    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    frames: int = 0


def _decode_worker(
    path: str,
    max_side: int,
    buffer: Any,
    slot_bytes: int,
    free: Any,
    ready: Any,
    transport: str,
) -> None:
    """Decode ``path`` and send frames to the parent (runs in the child process)."""
    # Ctrl-C reaches the whole process group; the parent handles it and stops this child,
    # which would otherwise print a KeyboardInterrupt traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ring = None if buffer is None else np.frombuffer(buffer, dtype=np.uint8)
    try:
        stream = iter_frames(path, max_side=max_side)
        for frame in stream:
            img = frame.image
            if transport == "pickle":
                ready.put(("frame", frame.index, frame.time_s, img))
                continue
            if img.nbytes > slot_bytes:
                raise errors.CorruptVideoError(
                    f"expected every frame at most {slot_bytes} bytes after scaling, got "
                    f"{img.shape} at frame {frame.index} (size changed mid-stream)"
                )
            slot = free.get()
            assert ring is not None
            ring[slot * slot_bytes : slot * slot_bytes + img.nbytes] = img.reshape(-1)
            ready.put(("slot", frame.index, frame.time_s, (slot, img.shape)))
        ready.put(("end", stream.truncated, stream.warnings, stream.frames_read))
    except errors.FormcheckError as exc:
        ready.put(("error", type(exc).__name__, str(exc)))
    except Exception as exc:  # reported to the parent, which raises it there
        ready.put(("crash", type(exc).__name__, str(exc)))


class FrameFeed:
    """Iterate ``(index, time_s, rgb)`` decoded in a child process; use as a context manager.

    The ``rgb`` array yielded with the shared transport is a view on a ring slot: it is valid
    (and may be modified in place) until the next item is requested.

    Parameters
    ----------
    path : str or Path
        The clip.
    upright_size : (int, int)
        Upright ``(width, height)`` from :func:`formcheck.capture.video.probe_video`
        (sizes the slots).
    max_side : int
        Long side of the frames after scaling.
    transport : {"shared", "pickle"}
        How frames cross the process boundary.
    slots : int
        Frames in flight at most.
    """

    def __init__(
        self,
        path: str | Path,
        upright_size: tuple[int, int],
        max_side: int = DEFAULT_MAX_SIDE,
        transport: str = "shared",
        slots: int = DEFAULT_SLOTS,
    ) -> None:
        if transport not in ("shared", "pickle"):
            raise ValueError(f"transport must be 'shared' or 'pickle', got {transport!r}")
        ctx = _context()
        w, h = target_size(upright_size[0], upright_size[1], max_side)
        self.slot_bytes = w * h * 3
        self.transport = transport
        self.report = FeedReport()
        self._free: Any = ctx.Queue()
        self._ready: Any = ctx.Queue(maxsize=slots)
        self._buffer = RawArray("B", self.slot_bytes * slots) if transport == "shared" else None
        self._ring = None if self._buffer is None else np.frombuffer(self._buffer, np.uint8)
        for slot in range(slots):
            self._free.put(slot)
        self._proc = ctx.Process(
            target=_decode_worker,
            args=(
                str(path),
                max_side,
                self._buffer,
                self.slot_bytes,
                self._free,
                self._ready,
                transport,
            ),
            daemon=True,
        )

    def __enter__(self) -> FrameFeed:
        with _ctrl_c_deferred() as interrupted:
            self._proc.start()
        if interrupted:
            self.close()  # __exit__ does not run when __enter__ fails: stop the child here
            raise KeyboardInterrupt
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child (if still running) and wait for it."""
        if self._proc.pid is not None:
            if self._proc.is_alive():
                self._proc.terminate()
            self._proc.join(timeout=5)
        self._ready.close()
        self._free.close()

    def __iter__(self) -> Iterator[tuple[int, float, np.ndarray]]:
        while True:
            kind, a, b, c = self._next_message()
            if kind == "end":
                self.report = FeedReport(truncated=a, warnings=list(b), frames=c)
                return
            if kind == "frame":
                yield a, b, c
                continue
            slot, shape = c
            assert self._ring is not None
            start = slot * self.slot_bytes
            yield a, b, self._ring[start : start + int(np.prod(shape))].reshape(shape)
            self._free.put(slot)  # the consumer asked for the next frame: this one is done

    def _next_message(self) -> tuple[str, Any, Any, Any]:
        while True:
            try:
                msg = self._ready.get(timeout=_POLL_S)
            except queue_mod.Empty:
                if not self._proc.is_alive():
                    raise RuntimeError(
                        f"decoder process exited with code {self._proc.exitcode} "
                        "without finishing the clip"
                    ) from None
                continue
            if msg[0] == "error":
                cls = getattr(errors, msg[1], errors.CorruptVideoError)
                raise cls(msg[2])
            if msg[0] == "crash":
                raise RuntimeError(f"decoder process failed: {msg[1]}: {msg[2]}")
            return msg
