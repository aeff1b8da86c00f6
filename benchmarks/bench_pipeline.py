"""Whole-process speed of ``formcheck analyze`` against the plain loop, alternating, in one run.

Usage::

    python benchmarks/bench_pipeline.py                 # 3 rounds, memory on 1- and 3-minute clips
    python benchmarks/bench_pipeline.py --long          # memory on a 10-minute clip as well
    python benchmarks/bench_pipeline.py --rounds 1 --only 1080p30
    python benchmarks/bench_pipeline.py --memory-only --memory-s 60 --memory-s 600

The baseline is ``benchmarks/bench_plain_loop.py`` (PyAV threaded decode, 640 px, BlazePose
full per frame, one process). For each clip the two commands run as whole processes,
alternating (plain, formcheck, plain, formcheck, ...), and the table shows the median wall
and CPU seconds and the ratio formcheck / plain, so load from other users of the machine hits
both. Clips (made in a temporary folder from a shared clip, ``FORMCHECK_SHARED_DATA``
overrides where those are):

- ``1080p30``: ``front_bodyweight_squat_10reps_correct.mp4`` scaled to 1920x1080, 30 fps;
- ``60fps``: ``side_bodyweight_squat_2reps.mp4`` as a 1080x1920 portrait phone clip at 60 fps
  (a blend of the two neighbouring frames between each pair), first 12 s;
- ``4K``: the 1080p30 clip scaled to 3840x2160.

Also measured: where the time of one formcheck run goes (start-up, decode, pose, analysis,
writing; in-process stages), ``--out`` (annotated video and report) over the pose pass,
cached re-analysis over the first run, and peak memory (PSS over the process tree) on
looped clips of two lengths. Targets (issue 13): ratio <= 0.5; ``--out`` <= 0.25x of the pose
pass; cached < 2 %; memory < 1 GiB and flat with length. Written to
``benchmarks/results/bench_pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from formcheck.capture.video import probe_video

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORMCHECK_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results" / "bench_pipeline.json"
PLAIN = REPO / "benchmarks" / "bench_plain_loop.py"
RATE = 30


def encode(frames, dst: Path, size: tuple[int, int], rate: int) -> Path:
    """Write RGB/VideoFrame ``frames`` as H.264 of ``size`` at ``rate`` fps (phone-like)."""
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        for i, frame in enumerate(frames):
            if isinstance(frame, np.ndarray):
                frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            big = frame.reformat(width=size[0], height=size[1], format="yuv420p")
            big.pts, big.time_base = i, Fraction(1, rate)
            for packet in stream.encode(big):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


def decoded(src: Path):
    """Yield the frames of ``src``."""
    with av.open(str(src)) as inp:
        yield from inp.decode(video=0)


def blended_60fps(src: Path, seconds: float):
    """Yield ``src`` (30 fps) at 60 fps: each frame, then the mean of it and the next."""
    prev = None
    limit = int(seconds * 30)
    for i, frame in enumerate(decoded(src)):
        if i >= limit:
            break
        rgb = frame.to_ndarray(format="rgb24")
        if prev is not None:
            yield prev
            yield ((prev.astype(np.uint16) + rgb) // 2).astype(np.uint8)
        prev = rgb
    if prev is not None:
        yield prev


def make_clips(tmp: Path, only: set[str] | None) -> dict[str, Path]:
    """Return the benchmark clips, made from shared clips in ``tmp``."""
    clips = SHARED / "clips"
    out: dict[str, Path] = {}
    if only is None or {"1080p30", "4K"} & only:
        src = clips / "front_bodyweight_squat_10reps_correct.mp4"
        out["1080p30"] = encode(decoded(src), tmp / "clip1080p30.mp4", (1920, 1080), RATE)
    if only is None or "60fps" in only:
        src = clips / "side_bodyweight_squat_2reps.mp4"
        out["60fps"] = encode(blended_60fps(src, 12.0), tmp / "clip60.mp4", (1080, 1920), 60)
    if only is None or "4K" in only:
        out["4K"] = encode(decoded(out["1080p30"]), tmp / "clip4k.mp4", (3840, 2160), RATE)
    if only is not None and "1080p30" not in only:
        out.pop("1080p30", None)
    return out


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Return (wall s, CPU s of the process tree) of running ``cmd`` to the end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


#: With ``--levers``: formcheck with one pose setting changed from the defaults, as more commands
#: in the same alternation ("one_graph": no time chunks, one graph over the whole clip;
#: "dec30": decimation to 30 fps, off by default, see pose_settings.toml).
LEVERS = {
    "one_graph": "pose.parallel_min_chunk_s=3600",
    "dec30": "pose.analysis_fps=30",
}


def commands(clip: Path, tmp: Path, levers: bool = False) -> dict[str, list[str]]:
    """Return the plain loop's and formcheck's command lines (and the levers')."""
    py = sys.executable
    cmds = {
        "plain": [py, str(PLAIN), str(clip), str(tmp / "plain.npy")],
        "formcheck": [
            py,
            "-m",
            "formcheck",
            "analyze",
            str(clip),
            "--no-cache",
            "--json",
            str(tmp / "out.json"),
        ],
    }
    if levers:
        for name, setting in LEVERS.items():
            cmds[name] = [*cmds["formcheck"], "--set", setting]
    return cmds


def compare(
    clip: Path, tmp: Path, rounds: int, env: dict[str, str], levers: bool = False
) -> dict[str, float]:
    """Return medians of wall/CPU for plain and formcheck on ``clip``, run alternating."""
    cmds = commands(clip, tmp, levers)
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    for _ in range(rounds):
        for name, cmd in cmds.items():
            got[name].append(timed(cmd, env))
    row: dict[str, float] = {}
    for name, runs in got.items():
        row[f"{name}_wall_s"] = statistics.median(w for w, _ in runs)
        row[f"{name}_cpu_s"] = statistics.median(c for _, c in runs)
    row["ratio_wall"] = row["formcheck_wall_s"] / row["plain_wall_s"]
    row["ratio_cpu"] = row["formcheck_cpu_s"] / row["plain_cpu_s"]
    for name in LEVERS if levers else ():
        row[f"{name}_ratio_wall"] = row[f"{name}_wall_s"] / row["plain_wall_s"]
        row[f"{name}_ratio_cpu"] = row[f"{name}_cpu_s"] / row["plain_cpu_s"]
    row["frames"] = probe_video(clip).frames
    row["fps"] = probe_video(clip).fps
    return row


def stages_child(clip: Path, cache: Path) -> None:
    """Print JSON: seconds of each stage of one analysis of ``clip`` in this process."""
    from formcheck.capture import pose
    from formcheck.capture.pose_pass import _make_models
    from formcheck.capture.video import iter_frames
    from formcheck.output import write_json
    from formcheck.pipeline import analyze_track

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    out["frames"] = sum(1 for _ in iter_frames(clip))
    out["decode_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    info, track, warnings = pose.estimate_track(clip, cache_dir=cache)
    out["pose_pass_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pose.estimate_track(clip, cache_dir=cache)
    out["cached_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    analysis = analyze_track(track, info, warnings_in=warnings)
    out["analysis_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    write_json(analysis, cache / "analysis.json")
    out["writing_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tracker, _ = _make_models(False)
    out["model_start_s"] = time.perf_counter() - t0  # import was paid above: graph build only
    tracker.close()
    out["history"] = track.history[0]
    print(json.dumps(out))


def model_child(clip: Path, max_side: int, mask: bool, share: str = "0/1") -> None:
    """Print JSON: seconds of BlazePose alone over ``clip``'s frames, decoded beforehand.

    The frames are decoded and scaled (long side ``max_side``) before the clock starts, and one
    tracking graph (with the segmentation mask if ``mask``) runs over them: the model's own
    share of a pass, which no arrangement of decoding, processes or start-up can go below.
    ``share`` ``k/n`` keeps the k-th of n equal time chunks; with n > 1 the child says
    ``ready`` once its frames are decoded and its graph is built, and starts the clock when
    a line arrives on stdin, so that n children run their graphs at once (:func:`model_floor`).
    """
    from formcheck.capture.blazepose import pose_solution
    from formcheck.capture.video import iter_frames

    k, n = (int(v) for v in share.split("/"))
    frames = [f.image for f in iter_frames(clip, max_side=max_side)]
    frames = frames[k * len(frames) // n : (k + 1) * len(frames) // n]
    with pose_solution().Pose(model_complexity=1, enable_segmentation=mask) as model:
        if n > 1:
            print("ready", flush=True)
            sys.stdin.readline()
        t0, c0 = time.perf_counter(), time.process_time()
        for image in frames:
            model.process(image)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"frames": len(frames), "model_wall_s": wall, "model_cpu_s": cpu}))


def concurrent_models(clip: Path, cores: int) -> float:
    """Return the wall seconds of one graph per core running at once over ``clip``'s frames.

    Each graph takes an equal time chunk of the pre-decoded frames and they start together;
    the slowest sets the time. This is what the cores really give (graphs compete for caches,
    memory bandwidth and their own helper threads), where ``floor_ratio`` assumes a perfect
    split.
    """
    cmd = [sys.executable, __file__, "--model-child", str(clip), "960", "1"]
    kids = [
        subprocess.Popen([*cmd, f"{k}/{cores}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
        for k in range(cores)
    ]  # fmt: skip
    try:
        for kid in kids:
            assert kid.stdout is not None
            if kid.stdout.readline().strip() != "ready":
                raise RuntimeError("a model child failed before it was ready")
        t0 = time.perf_counter()
        for kid in kids:
            assert kid.stdin is not None
            kid.stdin.write("go\n")
            kid.stdin.flush()
        outs = [json.loads(kid.communicate()[0].strip().splitlines()[-1]) for kid in kids]
        wall = time.perf_counter() - t0
    finally:
        for kid in kids:
            if kid.poll() is None:
                kid.kill()
    assert sum(o["frames"] for o in outs) > 0
    return max(wall, max(o["model_wall_s"] for o in outs))


def model_floor(clip: Path, plain_wall_s: float) -> dict[str, float]:
    """Return the model-alone times for formcheck's and the plain loop's settings, and the floor.

    ``floor_ratio`` is formcheck's model time split perfectly over every core, with nothing
    else (no decoding, start-up, analysis), over the plain loop's whole-process time;
    ``floor_ratio_concurrent`` is the same measured with one graph per core running at once.
    """
    cores = len(os.sched_getaffinity(0))
    ours = child("--model-child", clip, "960", "1")
    theirs = child("--model-child", clip, "640", "0")
    together = concurrent_models(clip, cores)
    return {
        "model_s_formcheck": ours["model_wall_s"],
        "model_s_plain_settings": theirs["model_wall_s"],
        "floor_ratio": ours["model_wall_s"] / cores / plain_wall_s,
        "floor_ratio_plain_settings": theirs["model_wall_s"] / cores / plain_wall_s,
        "model_s_concurrent": together,
        "floor_ratio_concurrent": together / plain_wall_s,
    }


def memory_child(clip: Path) -> None:
    """Run the pose pass on ``clip`` while sampling this process tree's memory; print JSON."""
    from formcheck.capture import pose

    peak = {"pss": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak["pss"] = max(peak["pss"], tree_memory(os.getpid())[0])
            done.wait(0.25)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    _, track, _ = pose.estimate_track(clip, use_cache=False)
    seconds = time.perf_counter() - t0
    done.set()
    watcher.join()
    print(json.dumps({"frames": track.n_frames, "seconds": seconds, "peak_pss": peak["pss"]}))


def child(flag: str, *args: Path | str) -> dict:
    """Run this script with ``flag`` in a child process; return its JSON report."""
    cmd = [sys.executable, __file__, flag, *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def loop_clip(src: Path, dst: Path, seconds: float) -> Path:
    """Write ``src`` repeated (packets remuxed with shifted timestamps) to last ``seconds``."""
    with av.open(str(src)) as probe:
        ends = [p.pts + (p.duration or 0) for p in probe.demux(video=0) if p.pts is not None]
    span = max(ends)  # one copy's length in stream ticks; the next copy starts there
    loops = max(1, int(np.ceil(seconds * RATE / max(1, probe_video(src).frames))))
    with av.open(str(dst), "w") as out:
        ostream = None
        for k in range(loops):
            with av.open(str(src)) as inp:
                istream = inp.streams.video[0]
                if ostream is None:
                    ostream = out.add_stream_from_template(istream)
                for packet in inp.demux(istream):
                    if packet.dts is None:
                        continue
                    packet.pts = None if packet.pts is None else packet.pts + k * span
                    packet.dts += k * span
                    packet.stream = ostream
                    out.mux(packet)
    return dst


def tree_memory(pid: int) -> tuple[int, int]:
    """Return (PSS, RSS) in bytes summed over ``pid`` and its descendants (Linux /proc)."""
    pids, pss, rss = [pid], 0, 0
    while pids:
        p = pids.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        pids.extend(int(c) for c in children)
    return pss, rss


def out_overhead(clip: Path, tmp: Path, rounds: int, env: dict[str, str]) -> dict[str, float]:
    """Return median wall seconds of ``analyze --json`` and ``analyze --out``, alternating."""
    base = commands(clip, tmp)["formcheck"]
    with_out = [*base[:-2], "--out", str(tmp / "report")]
    runs: dict[str, list[float]] = {"json": [], "out": []}
    for _ in range(rounds):
        runs["json"].append(timed(base, env)[0])
        runs["out"].append(timed(with_out, env)[0])
    return {k: statistics.median(v) for k, v in runs.items()}


def cached_rerun(clip: Path, tmp: Path, rounds: int, env: dict[str, str]) -> dict[str, float]:
    """Return wall/CPU medians of the same ``formcheck analyze`` command run again, warm.

    The command of the clip table without ``--no-cache``, with a cache folder of its own:
    two untimed runs fill it (the track, then the analysis and the replay), then ``rounds``
    timed ones. Compared with the clip table's first runs (``--no-cache``).
    """
    cmd = [*commands(clip, tmp)["formcheck"][:-3], "--json", str(tmp / "again.json")]
    warm = {**env, "FORMCHECK_CACHE_DIR": str(tmp / "cache-again")}
    for _ in range(2):
        timed(cmd, warm)
    runs = [timed(cmd, warm) for _ in range(rounds)]
    return {
        "wall_s": statistics.median(w for w, _ in runs),
        "cpu_s": statistics.median(c for _, c in runs),
    }


def run(
    tmp: Path, rounds: int, only: set[str] | None, lengths: list[float], levers: bool = False
) -> dict:
    """Run every measurement (with ``levers``: only the clip table, levers added)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    clips = make_clips(tmp, only)
    report: dict = {"machine": {"cpus": os.cpu_count(), "rounds": rounds}, "clips": {}}
    for name, clip in clips.items():
        report["clips"][name] = compare(clip, tmp, rounds, env, levers)
        if levers:
            report["clips"][name].update(model_floor(clip, report["clips"][name]["plain_wall_s"]))
        print(name, json.dumps(report["clips"][name]), flush=True)
    report["machine"]["load_avg_1m_at_end"] = os.getloadavg()[0]
    if levers:
        return report
    main_clip = clips.get("1080p30") or next(iter(clips.values()))
    startup = [timed([sys.executable, "-m", "formcheck", "--help"], env) for _ in range(rounds)]
    stages = child("--stages-child", main_clip, tmp / "cache")
    stages["startup_s"] = statistics.median(w for w, _ in startup)
    report["stages"] = stages
    report["cached"] = cached_rerun(main_clip, tmp, rounds, env)
    first = report["clips"][next(k for k, v in clips.items() if v == main_clip)]
    report["cached"]["over_first_wall"] = report["cached"]["wall_s"] / first["formcheck_wall_s"]
    report["out"] = out_overhead(main_clip, tmp, rounds, env)
    report["out"]["over_pose_pass"] = (report["out"]["out"] - report["out"]["json"]) / stages[
        "pose_pass_s"
    ]
    report["memory"] = memory(main_clip, tmp, lengths)
    report["machine"]["load_avg_1m_at_end"] = os.getloadavg()[0]
    return report


def memory(clip: Path, tmp: Path, lengths: list[float]) -> list[dict]:
    """Return the pose pass's peak memory on ``clip`` looped to each of ``lengths`` seconds."""
    out = []
    for seconds in lengths:
        long_clip = loop_clip(clip, tmp / f"long{seconds:.0f}.mp4", seconds)
        got = child("--memory-child", long_clip)
        out.append({"seconds_of_video": seconds, **got})
        long_clip.unlink()
        print(f"memory {seconds:.0f} s", json.dumps(got), flush=True)
    return out


def print_table(r: dict) -> None:
    """Print the ratio table, where the time goes, and the other targets."""
    print(
        f"\n{r['machine']['cpus']} CPUs, median of {r['machine']['rounds']} alternating runs, "
        f"load {r['machine']['load_avg_1m_at_end']:.1f} at the end"
    )
    print(
        f"{'clip':<8} {'frames':>6} {'plain wall':>10} {'fc wall':>8} {'ratio':>6} "
        f"{'plain cpu':>9} {'fc cpu':>7} {'cpu ratio':>9}   target: ratio <= 0.50"
    )
    for name, c in r["clips"].items():
        print(
            f"{name:<8} {c['frames']:>6} {c['plain_wall_s']:>9.1f}s {c['formcheck_wall_s']:>7.1f}s "
            f"{c['ratio_wall']:>6.2f} {c['plain_cpu_s']:>8.1f}s {c['formcheck_cpu_s']:>6.1f}s "
            f"{c['ratio_cpu']:>9.2f}"
        )
        for lever in (k for k in LEVERS if f"{k}_wall_s" in c):
            print(
                f"  {lever} ({LEVERS[lever]}): wall {c[f'{lever}_wall_s']:.1f}s, ratio "
                f"{c[f'{lever}_ratio_wall']:.2f}; cpu {c[f'{lever}_cpu_s']:.1f}s, ratio "
                f"{c[f'{lever}_ratio_cpu']:.2f}"
            )
        if "floor_ratio" in c:
            print(
                f"  model alone over pre-decoded frames, split perfectly over the cores: "
                f"{c['floor_ratio']:.2f} of the plain loop (formcheck's 960 px + mask), "
                f"{c['floor_ratio_plain_settings']:.2f} (the plain loop's 640 px, no mask); "
                f"one graph per core at once, measured: {c['floor_ratio_concurrent']:.2f}"
            )
    if "stages" not in r:
        return
    s = r["stages"]
    print(f"\nwhere the time goes (1080p30, {s['frames']} frames, in-process stages, wall):")
    print(f"  start-up (python + CLI imports)   {s['startup_s']:6.2f} s")
    print(f"  decode + scale alone, 1 process   {s['decode_s']:6.2f} s  (inside the pose pass)")
    print(f"  pose pass (decode + BlazePose)    {s['pose_pass_s']:6.2f} s  {s['history']}")
    print(f"    of which graph build            {s['model_start_s']:6.2f} s")
    print(f"  analysis                          {s['analysis_s']:6.2f} s")
    print(f"  writing JSON                      {s['writing_s']:6.2f} s")
    o = r["out"]
    print(
        f"\n--out: {o['out']:.1f} s vs --json {o['json']:.1f} s: adds "
        f"{o['over_pose_pass']:.2f}x of the pose pass (target <= 0.25x)"
    )
    c = r["cached"]
    print(
        f"cached re-analysis, the same command again as a whole process: {c['wall_s']:.2f} s "
        f"wall ({c['cpu_s']:.2f} s CPU), {100 * c['over_first_wall']:.2f} % of the first run "
        f"(target < 2 %); the track cache alone, in process: "
        f"{100 * s['cached_s'] / s['pose_pass_s']:.2f} % of the pose pass"
    )
    for m in r["memory"]:
        print(
            f"peak memory, {m['seconds_of_video']:.0f} s clip ({m['frames']} frames): "
            f"{m['peak_pss'] / 2**20:.0f} MiB PSS over the tree (target < 1024, flat)"
        )


def memory_only(lengths: list[float]) -> None:
    """Measure and print only the memory figures; write them beside the full results."""
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clips(Path(tmp), {"1080p30"})["1080p30"]
        report: dict = {"memory": memory(clip, Path(tmp), lengths)}
    report["load_avg_1m_at_end"] = os.getloadavg()[0]
    for m in report["memory"]:
        print(
            f"peak memory, {m['seconds_of_video']:.0f} s clip ({m['frames']} frames): "
            f"{m['peak_pss'] / 2**20:.0f} MiB PSS over the tree (target < 1024, flat)"
        )
    where = RESULTS.with_stem("bench_pipeline_memory")
    where.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {where.relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", help="1080p30, 60fps or 4K (repeatable)")
    parser.add_argument("--long", action="store_true", help="memory on a 10-minute clip too")
    parser.add_argument(
        "--levers", action="store_true", help="only the clip table, with the LEVERS commands"
    )
    parser.add_argument(
        "--memory-only", action="store_true", help="only the memory runs (1080p30 clip looped)"
    )
    parser.add_argument(
        "--memory-s", type=float, action="append", help="memory clip length, s (repeatable)"
    )
    parser.add_argument("--stages-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--model-child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.model_child:
        clip, side, mask, *share = args.model_child
        model_child(Path(clip), int(side), mask == "1", *share)
        return
    if args.stages_child:
        stages_child(*args.stages_child)
        return
    if args.memory_child:
        memory_child(args.memory_child)
        return
    lengths = args.memory_s or ([60.0, 180.0, 600.0] if args.long else [60.0, 180.0])
    if args.memory_only:
        memory_only(lengths)
        return
    with tempfile.TemporaryDirectory() as tmp:
        only = set(args.only) if args.only else None
        report = run(Path(tmp), args.rounds, only, lengths, args.levers)
    print_table(report)
    where = RESULTS.with_stem("bench_pipeline_levers") if args.levers else RESULTS
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {where.relative_to(REPO)}")


if __name__ == "__main__":
    main()
