"""Pose pass: run BlazePose over a clip, split into time chunks that run at once, one per core.

One MediaPipe graph keeps about 1.2 cores busy, so on a 2-core machine a clip long enough
to split (``parallel_min_chunk_s`` per chunk) is cut into one chunk per core when that is
predicted to pay (``plan_pass``): a later chunk decodes from the keyframe before its start
without inferring, so the boundaries are placed from the clip's keyframes and the cost of
decoding against inferring a frame. This
process runs the first chunk; each other chunk runs in a child process that decodes and
infers its own part. A chunk starts
``chunk_overlap_s`` before its boundary so the tracker has found the person and the
landmark filter has settled by the time its own frames begin; the overlap frames are
thrown away. Clips above ``analysis_fps`` are decimated: the model sees about
``analysis_fps`` frames a second, and the skipped frames are filled by linear
interpolation, so the track still has every frame of the clip.

Notes
-----
- Children are forked before MediaPipe is loaded in this process (cheap: nothing is
  imported again); once it is loaded a fork is unsafe (its threads may hold locks), so the
  children come from a fork server instead.
- A child dies with its parent (``PR_SET_PDEATHSIG``) and is terminated if this process
  stops early (error, Ctrl-C), so no process outlives the pass.
- Each chunk's process fixes glibc's mmap threshold first (:mod:`formcheck.capture.heap`), so
  the large per-frame buffers do not fragment its heap: memory stays flat with the length.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from formcheck.capture import heap, people
from formcheck.capture.pass_rows import (
    ChunkRows,
    Recorder,
    RowsHead,
    join_rows,
    receive_rows,
    send_rows,
)
from formcheck.capture.silhouette import PROFILE_POINTS
from formcheck.capture.video import FrameStream, TimeSpan, keyframe_times
from formcheck.result import VideoInfo
from formcheck.track import LANDMARKS

_N = len(LANDMARKS)
#: Set to a number of cores to plan every pose pass of this process for that many (a batch
#: worker sets 1: the other workers use the other cores).
POSE_CORES_ENV = "FORMCHECK_POSE_CORES"
_POLL_S = 0.1
T = TypeVar("T")
#: Frames decoded ahead by the decode thread (0: decode in the inference loop). FFmpeg and
#: swscale release the GIL, so one thread overlaps decoding with inference in one process.
PREFETCH_FRAMES = 4
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PassPlan:
    """How one pose pass runs: the chunks' boundaries (stream seconds) and the decimation."""

    bounds: tuple[float, ...]  # chunk k covers bounds[k] <= t < bounds[k + 1] (inf at the end)
    overlap_s: float
    every: int

    @property
    def chunks(self) -> int:
        """Return the number of chunks (processes) of the pass."""
        return len(self.bounds)


def pass_cores() -> int:
    """Return the cores one pose pass may use: ``FORMCHECK_POSE_CORES``, else this process's."""
    cores = len(os.sched_getaffinity(0))
    given = os.environ.get(POSE_CORES_ENV, "").strip()
    return max(1, min(cores, int(given))) if given.isdigit() else cores


def plan_pass(
    info: VideoInfo,
    values: dict[str, float],
    cores: int | None = None,
    keyframes_s: Sequence[float] | np.ndarray | None = None,
) -> PassPlan:
    """Return the chunks and decimation for ``info`` under the pose settings ``values``.

    ``cores`` defaults to :func:`pass_cores`; ``keyframes_s`` are the times a
    decoder can start at (:func:`formcheck.capture.video.keyframe_times`; None: every frame,
    as in an intra-only clip). The clip is split into at most one chunk per core and per
    ``parallel_min_chunk_s`` of its length, and only when the costliest chunk's predicted
    time is at most ``parallel_max_share`` of one graph's; :func:`_split` places the
    boundaries.
    """
    cores = cores or pass_cores()
    every = max(1, round(info.fps / values["analysis_fps"]))
    one = PassPlan(bounds=(-np.inf,), overlap_s=values["chunk_overlap_s"], every=every)
    most = int(max(1, min(cores, info.duration_s // values["parallel_min_chunk_s"])))
    if most < 2:
        return one
    keys = np.asarray(
        np.arange(info.frames) / info.fps if keyframes_s is None else keyframes_s, dtype=float
    )
    decode_ms = values["decode_ms_per_megapixel"] * info.width * info.height / 1e6
    costs = _Costs(
        decode=info.fps * decode_ms,
        full=info.fps * (decode_ms + values["pose_frame_ms"] / every),
        overlap_s=values["chunk_overlap_s"],
        keys=keys if keys.size else np.zeros(1),
    )
    # One graph's decode thread runs beside its model, so its wall time is set by the slower
    # of the two; a chunk's process is held to one core, so its wall time is its whole cost.
    single_wall = info.fps * info.duration_s * max(decode_ms, values["pose_frame_ms"] / every)
    best, best_cost = one, values["parallel_max_share"] * single_wall
    for n in range(2, most + 1):
        bounds, cost = _split(n, info.duration_s, costs)
        if bounds and cost < best_cost:
            best = PassPlan(bounds=bounds, overlap_s=costs.overlap_s, every=every)
            best_cost = cost
    return best


def plan_for(path: Path, info: VideoInfo, values: dict[str, float]) -> PassPlan:
    """Return :func:`plan_pass` for the clip at ``path``, reading its keyframes if it may split."""
    keys = None
    if info.duration_s >= 2 * values["parallel_min_chunk_s"] and pass_cores() > 1:
        keys = keyframe_times(path)
    return plan_pass(info, values, keyframes_s=keys)


@dataclass(frozen=True)
class _Costs:
    """What a chunk costs one core, in core-milliseconds per second of the clip."""

    decode: float  # decoding only (the frames between a chunk's keyframe and its start)
    full: float  # decoding, converting and the model (the frames a chunk infers)
    overlap_s: float
    keys: np.ndarray  # sorted keyframe times (s)

    def chunk(self, start: float, end: float) -> float:
        """Return the cost of a chunk owning ``start <= t < end`` (``start`` 0: the first)."""
        if start <= 0:
            return end * self.full
        begin = max(0.0, start - self.overlap_s)
        k = int(np.searchsorted(self.keys, begin, side="right")) - 1
        key = float(self.keys[k]) if k >= 0 else 0.0
        return (begin - key) * self.decode + (end - begin) * self.full

    def longest_end(self, start: float, budget: float) -> float:
        """Return the latest end a chunk from ``start`` can have within ``budget``."""
        return start + max(0.0, budget - self.chunk(start, start)) / self.full


def _split(n: int, duration_s: float, costs: _Costs) -> tuple[tuple[float, ...], float]:
    """Return ``n`` chunk starts minimising the costliest chunk, and that chunk's cost.

    A later chunk decodes from the keyframe before its start (overlap included) without
    inferring, so its cost falls as its start moves later; the first chunk's rises. Hence
    for a budget, making each chunk as long as the budget allows is optimal, and the least
    budget that reaches the end is found by bisection. Returns ``((), inf)`` when a chunk
    would own no frames.
    """

    def starts(budget: float) -> tuple[list[float], bool]:
        out = [0.0]
        for _ in range(n - 1):
            out.append(min(duration_s, costs.longest_end(out[-1], budget)))
        return out, costs.chunk(out[-1], duration_s) <= budget

    lo, hi = costs.full * duration_s / n, costs.full * duration_s
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if starts(mid)[1] else (mid, hi)
    found, _ = starts(hi)
    ends = [*found[1:], duration_s]
    if min(e - s for s, e in zip(found, ends, strict=True)) <= 0:
        return (), np.inf  # a chunk with no frames of its own: fewer chunks do better
    cost = max(costs.chunk(s, e) for s, e in zip(found, ends, strict=True))
    return (-np.inf, *found[1:]), cost


def _empty(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return np.empty((0, *shape), dtype=dtype)


@dataclass
class PassResult:
    """Per-frame outputs of one pose pass (or one chunk of it), one row per inferred frame."""

    image_xy: np.ndarray = field(default_factory=lambda: _empty(_N, 2))  # pixels
    world_xyz: np.ndarray = field(default_factory=lambda: _empty(_N, 3))  # metres
    visibility: np.ndarray = field(default_factory=lambda: _empty(_N))
    present: np.ndarray = field(default_factory=lambda: _empty(dtype=bool))
    times_s: np.ndarray = field(default_factory=lambda: _empty())
    profile: np.ndarray = field(default_factory=lambda: _empty(2, PROFILE_POINTS))  # pixels
    sightings: list[people.Sighting] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    all_times_s: np.ndarray = field(default_factory=lambda: _empty())  # every decoded frame


@dataclass
class _Chunk:
    """One chunk's outcome: its rows (float32, as recorded) and what else it found."""

    rows: ChunkRows | None
    head: RowsHead | None = None  # set instead of ``rows`` when a child sends its rows raw
    sightings: list[people.Sighting] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    all_times_s: np.ndarray = field(default_factory=lambda: _empty())  # every decoded frame


@dataclass(frozen=True)
class _Job:
    """What one chunk's process needs (picklable, sent to a fork-server child)."""

    path: str
    width: int
    max_side: int
    span: TimeSpan
    keep_from_s: float
    sample_step: int
    fps: float
    search: bool
    mask_x: tuple[float, float] | None
    person_visibility: float
    min_height: float
    capacity: int  # the frames the chunk is expected to infer (its recorder's first size)


def run_pass(
    path: Path,
    info: VideoInfo,
    values: dict[str, float],
    max_side: int,
    progress: Progress | None,
    *,
    search: bool = False,
    mask_x: tuple[float, float] | None = None,
    plan: PassPlan | None = None,
) -> PassResult:
    """Return the pose of every frame of ``path`` (see the module notes for how it is run)."""
    plan = plan or plan_for(path, info, values)
    step = people.sample_every(
        info.frames,
        info.fps,
        values["person_sample_interval_s"],
        int(values["person_min_samples"]),
    )
    jobs = [
        _Job(
            path=str(path),
            width=info.width,
            max_side=max_side,
            span=TimeSpan(
                start_s=None if k == 0 else start - plan.overlap_s,
                stop_s=plan.bounds[k + 1] if k + 1 < plan.chunks else None,
                origin_s=0.0,
                every=plan.every,
            ),
            keep_from_s=start,
            sample_step=step,
            fps=info.fps,
            search=search,
            mask_x=mask_x,
            person_visibility=values["second_person_visibility"],
            min_height=values["min_person_height"],
            capacity=_expected_rows(info, plan, k),
        )
        for k, start in enumerate(plan.bounds)
    ]
    parts = _run_jobs(jobs, info.frames, progress)
    out = _stitch(parts, plan.bounds)
    if plan.every > 1:
        out = fill_skipped(out)
    if progress is not None and len(out.present):
        progress(len(out.present), len(out.present))  # the index may list more frames
    return out


def _expected_rows(info: VideoInfo, plan: PassPlan, k: int) -> int:
    """Return the frames chunk ``k`` of ``plan`` should infer (overlap included), plus slack."""
    start = 0.0 if k == 0 else max(0.0, plan.bounds[k] - plan.overlap_s)
    stop = plan.bounds[k + 1] if k + 1 < plan.chunks else info.duration_s
    return int(np.ceil(max(0.0, stop - start) * info.fps / plan.every)) + 16


def _run_jobs(jobs: list[_Job], total: int, progress: Progress | None) -> list[_Chunk]:
    """Run the first job here and the others in child processes; return their chunks."""
    ctx = _context()
    counters = [ctx.Value("q", 0, lock=False) for _ in jobs]
    pipes = [ctx.Pipe(duplex=False) for _ in jobs[1:]]
    parent = os.getpid() if ctx.get_start_method() == "fork" else 0  # else: the server's child
    procs = [
        ctx.Process(target=_child, args=(job, counter, send, parent), daemon=True)
        for job, counter, (_, send) in zip(jobs[1:], counters[1:], pipes, strict=True)
    ]
    try:
        for proc in procs:
            proc.start()
        for _, send in pipes:
            send.close()  # the child's end; a dead child then reads as EOF here

        def tick(done: int) -> None:
            counters[0].value = done
            if progress is not None:
                progress(sum(int(c.value) for c in counters), total)

        first = _run_chunk(jobs[0], tick)
        return [first] + [
            _child_result(recv, proc, lambda: tick(int(counters[0].value)))
            for (recv, _), proc in zip(pipes, procs, strict=True)
        ]
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=5)


def _child_result(recv: Any, proc: Any, tick: Callable[[], None]) -> _Chunk:
    """Wait for one child's chunk, updating progress; raise its error or a dead child's."""
    while not recv.poll(_POLL_S):
        if not proc.is_alive() and not recv.poll(0):
            raise RuntimeError(f"pose process exited with code {proc.exitcode} before its chunk")
        tick()
    kind, value = recv.recv()
    if kind == "error":
        raise value
    try:
        value.rows = receive_rows(recv, value.head)
    except EOFError as exc:
        raise RuntimeError(
            f"pose process exited with code {proc.exitcode} while sending its chunk"
        ) from exc
    value.head = None
    return value


def _child(job: _Job, counter: Any, send: Any, parent: int) -> None:
    """Run one chunk in a child process and send it (or its error) to the parent.

    The chunk's small parts are pickled; its rows follow as raw blocks (:func:`send_rows`).
    """
    # Ctrl-C reaches the whole foreground group; the parent handles it and terminates this
    # process, so the child must not print a KeyboardInterrupt traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)

    def tick(done: int) -> None:
        counter.value = done

    try:
        try:
            chunk = _run_chunk(job, tick)
        except Exception as exc:  # sent to the parent, which raises it there
            send.send(("error", exc))
            return
        rows = chunk.rows
        assert rows is not None  # _run_chunk always returns rows
        chunk.rows, chunk.head = None, rows.head
        send.send(("ok", chunk))
        send_rows(send, rows)
    finally:
        send.close()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    if parent and os.getppid() != parent:  # the parent died before the call
        os._exit(1)


def _context() -> Any:
    # A fork is cheap (no re-import) and safe while MediaPipe's threads do not exist here.
    if "mediapipe" not in sys.modules and sys.platform.startswith("linux"):
        return mp.get_context("fork")
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["formcheck.capture.pose_pass"])
        return ctx
    return mp.get_context("spawn")


def _run_chunk(job: _Job, tick: Callable[[int], None]) -> _Chunk:
    """Return the pose of the frames of one chunk, timed in stream seconds."""
    heap.fix_mmap_threshold()  # per-frame buffers mapped and unmapped: no growth with length
    recorder: Recorder | None = None
    sightings: list[people.Sighting] = []
    stream = FrameStream(job.path, max_side=job.max_side, span=job.span)
    with _native_stderr_muted():
        tracker, static = _make_models(job.search)
    last_block = -1
    with tracker, _native_stderr_muted():
        for frame in prefetched(stream, PREFETCH_FRAMES):
            rgb, t = frame.image, frame.time_s
            h, w = rgb.shape[:2]
            scale = job.width / w
            if recorder is None:  # every frame of a clip is scaled to the same size
                recorder = Recorder((w, h), scale, job.capacity)
            if job.mask_x is not None:
                rgb[:, int(job.mask_x[0] / scale) : int(np.ceil(job.mask_x[1] / scale))] = 0
            result = tracker.process(rgb)
            if result.pose_landmarks is None:
                recorder.add_empty(t)
            else:
                xy = recorder.add(t, result)
                block = round(t * job.fps) // job.sample_step
                if static is not None and block != last_block and t >= job.keep_from_s:
                    last_block = block
                    sightings.append(_sight(static, rgb, xy, round(t * job.fps), t, scale, job))
            del result  # the mask and landmark messages of this frame, before the next decode
            tick(frame.index + 1)  # frames_read runs ahead: the decode thread prefetches
    if static is not None:
        static.close()
    empty = RowsHead(0, (0.0, 0.0), 1.0)
    rows = recorder.rows() if recorder is not None else ChunkRows.empty(empty)
    return _Chunk(
        rows=rows,
        sightings=sightings,
        warnings=list(stream.warnings),
        all_times_s=np.asarray(stream.times_s, dtype=np.float64),
    )


def prefetched(frames: Iterator[T], depth: int) -> Iterator[T]:
    """Yield ``frames`` decoded up to ``depth`` ahead in a thread (in order, errors re-raised).

    Any iterator works: the pose pass prefetches decoded frames, the annotated video its
    upright source frames.
    """
    if depth <= 0:
        yield from frames
        return
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    worker = threading.Thread(
        target=_produce, args=(frames, box, stop), name="formcheck-decode", daemon=True
    )
    worker.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                box.get(timeout=_POLL_S)
            except queue.Empty:
                continue
        worker.join()


def _produce(frames: Iterator[Any], box: queue.Queue[tuple[str, Any]], stop: Any) -> None:
    """Put each frame in ``box`` until ``frames`` ends or ``stop`` is set (decode thread)."""
    try:
        for frame in frames:
            if stop.is_set():
                return
            box.put(("frame", frame))
        box.put(("end", None))
    except BaseException as exc:  # re-raised in the consumer, where it belongs
        box.put(("error", exc))


def _stitch(parts: list[_Chunk], bounds: tuple[float, ...]) -> PassResult:
    """Return the chunks joined in time order (each without its overlap), in stream times.

    Each chunk's rows are dropped from ``parts`` once they are joined.
    """
    rows = [part.rows for part in parts]
    for part in parts:
        part.rows = None  # the joined arrays are the only float64 copy; these go with ``rows``
    arrays = join_rows([r for r in rows if r is not None], list(bounds))
    del rows
    joined = PassResult(
        image_xy=arrays["image_xy"],
        world_xyz=arrays["world_xyz"],
        visibility=arrays["visibility"],
        present=arrays["present"],
        times_s=arrays["times_s"],
        profile=arrays["profile"],
    )
    for part, start in zip(parts, bounds, strict=True):
        a = int(np.searchsorted(part.all_times_s, start)) if start != -np.inf else 0
        joined.sightings.extend(s for s in part.sightings if s.time_s >= start)
        if len(parts) == 1:
            joined.warnings = list(part.warnings)  # one chunk: its warnings as they came
        else:
            joined.warnings.extend(w for w in part.warnings if w not in joined.warnings)
        part.all_times_s = part.all_times_s[a:]
    joined.all_times_s = np.concatenate([part.all_times_s for part in parts])
    return joined


def fill_skipped(run: PassResult) -> PassResult:
    """Return ``run`` with the frames decimation skipped filled by linear interpolation.

    A skipped frame between two frames with a person gets the interpolated landmarks,
    visibility and back profile; next to a frame without a person it has none either.
    """
    t_all = run.all_times_s
    t = run.times_s
    if t.size == 0 or t.size == t_all.size:
        return run
    present = run.present
    after = np.clip(np.searchsorted(t, t_all), 0, t.size - 1)
    before = np.clip(after - 1, 0, t.size - 1)
    exact = np.isclose(t[after], t_all)
    full_present = exact & present[after] | ~exact & present[after] & present[before]
    out = PassResult(
        present=full_present,
        times_s=t_all.copy(),
        sightings=run.sightings,
        warnings=run.warnings,
        all_times_s=run.all_times_s,
    )
    for name in ("image_xy", "world_xyz", "visibility", "profile"):
        values = getattr(run, name)
        flat = values.reshape(len(t), -1)
        filled = np.empty((t_all.size, flat.shape[1]))
        for j in range(flat.shape[1]):
            filled[:, j] = np.interp(t_all, t, flat[:, j])
        if name == "visibility":
            filled[~full_present] = 0.0
        else:
            filled[~full_present] = np.nan
        setattr(out, name, filled.reshape(t_all.size, *values.shape[1:]))
    return out


def _sight(
    static: Any, rgb: np.ndarray, xy: np.ndarray, index: int, t: float, scale: float, job: _Job
) -> people.Sighting:
    tracked = people.body_from_landmarks(xy)
    other = people.search_second_person(
        static, rgb, tracked, scale, job.person_visibility, min_height=job.min_height
    )
    return people.Sighting(frame=index, time_s=t, tracked=tracked, other=other)


@contextmanager
def _native_stderr_muted() -> Iterator[None]:
    """Silence the C++ log lines MediaPipe and TFLite write straight to file descriptor 2.

    They are written before absl's logging is set up, so no Python or environment setting
    reaches them, and to a lifter they read like errors. ``FORMCHECK_NATIVE_LOGS=1`` keeps
    them for debugging. Python's own ``sys.stderr`` output is flushed first.
    """
    if os.environ.get("FORMCHECK_NATIVE_LOGS") == "1":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _make_models(search: bool) -> tuple[Any, Any]:
    from formcheck.capture.blazepose import pose_solution  # a cache hit never loads the model

    solution = pose_solution()
    tracker = solution.Pose(
        static_image_mode=False,
        model_complexity=1,
        smooth_landmarks=True,
        enable_segmentation=True,
    )
    static = None
    if search:
        static = solution.Pose(static_image_mode=True, model_complexity=1)
    return tracker, static
