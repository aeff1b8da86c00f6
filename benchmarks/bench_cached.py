"""Cached re-analysis as a whole process against the first run of the same clip (issue 13).

Usage::

    python benchmarks/bench_cached.py CLIP [CLIP ...] [--rounds 5] [--baseline-src DIR]
    python benchmarks/bench_cached.py --clip1080p [--rounds 5] [--baseline-src DIR]

For each clip, per round and alternating: the first run (``formcheck analyze CLIP --no-cache
--json OUT``), the cached run (same command without ``--no-cache``, track and analysis
already in a temporary cache folder) and ``formcheck --help``; with ``--baseline-src`` the
cached run and ``--help`` also run with that source tree on PYTHONPATH (e.g. an exported
``main``), so before and after come from the same rounds. Prints medians of wall and CPU
time and the cached/first ratios (target: under 2 %); writes ``results/bench_cached.json``.
``--src DIR`` times another formcheck tree than this checkout's ``src``.
``--clip1080p`` uses the 1080p30 clip of ``bench_pipeline.py`` (made from a shared clip).
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
RESULTS = HERE / "results" / "bench_cached.json"


def timed(cmd: list[str], src: Path, cache: Path) -> tuple[float, float]:
    """Return the wall and CPU seconds of ``cmd`` run as a whole process with ``src``.

    CPU is user + system of the process and its children: on a machine shared with other
    jobs it moves far less than wall time does.
    """
    env = {**os.environ, "PYTHONPATH": str(src), "FORMCHECK_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def bench_clip(
    clip: Path, rounds: int, baseline: Path | None, tmp: Path, src: Path = SRC
) -> dict[str, float | bool]:
    """Return the median wall seconds of each command on ``clip`` and the ratios."""
    cache = tmp / "cache"
    analyze = [sys.executable, "-m", "formcheck", "analyze", str(clip), "--json"]
    trees = {"": src, **({"baseline_": baseline} if baseline else {})}
    cmds: dict[str, tuple[list[str], Path]] = {
        "first_s": ([*analyze, str(tmp / "first.json"), "--no-cache"], src)
    }
    for label, tree in trees.items():
        cmds[f"{label}cached_s"] = ([*analyze, str(tmp / f"{label}cached.json")], tree)
        cmds[f"{label}help_s"] = ([sys.executable, "-m", "formcheck", "--help"], tree)
    for _ in range(2):  # fill the track cache, then the analysis cache (not timed)
        timed(cmds["cached_s"][0], src, cache)
    times: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, (cmd, tree) in cmds.items():
            wall, cpu = timed(cmd, tree, cache)
            times.setdefault(name, []).append(wall)
            times.setdefault(name.replace("_s", "_cpu_s"), []).append(cpu)
    row: dict[str, float | bool] = {
        name: round(statistics.median(ts), 3) for name, ts in times.items()
    }
    for label in trees:
        for kind, word in (("s", "wall"), ("cpu_s", "cpu")):
            ratio = float(row[f"{label}cached_{kind}"]) / float(row[f"first_{kind}"])
            row[f"{label}cached_over_first_{word}"] = round(ratio, 4)
    same = (tmp / "first.json").read_text() == (tmp / "cached.json").read_text()
    row["json_equal_apart_from_history"] = same or _equal_but_history(tmp)
    return row


def _equal_but_history(tmp: Path) -> bool:
    """Return whether the two JSONs differ only by the 'loaded from cache' history line."""
    docs = [json.loads((tmp / f"{n}.json").read_text()) for n in ("first", "cached")]
    for doc in docs:
        history = doc["settings"]["pose_history"]
        doc["settings"]["pose_history"] = [h for h in history if "loaded from cache" not in h]
    return bool(docs[0] == docs[1])


def main() -> None:
    """Run the benchmark on the clips named and print one JSON row per clip."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--clip1080p", action="store_true")
    parser.add_argument("--src", type=Path, default=SRC, help="the formcheck tree to time")
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        clips = list(args.clips)
        if args.clip1080p:
            sys.path.insert(0, str(HERE))
            from bench_pipeline import make_clips

            clips.append(make_clips(tmp, {"1080p30"})["1080p30"])
        for clip in clips:
            work = tmp / clip.stem
            work.mkdir()
            report[clip.name] = bench_clip(clip, args.rounds, args.baseline_src, work, args.src)
            print(clip.name, json.dumps(report[clip.name]), flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"rounds": args.rounds, "clips": report}, indent=2) + "\n")


if __name__ == "__main__":
    main()
