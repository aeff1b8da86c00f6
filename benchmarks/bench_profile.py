"""Where the CPU time of a whole ``formcheck analyze`` goes, against the plain loop (needs perf).

Usage::

    python benchmarks/bench_profile.py CLIP            # e.g. the 1080p30 clip of bench_pipeline

Both commands run once each under ``perf record`` (sampling every process of the tree at
499 Hz); the samples are grouped by the library they fell in, which on this pipeline is the
stage: MediaPipe's bindings (the model, its graph and the mask post-processing), libavcodec
(decoding), libswscale (scaling and RGB conversion), the Python interpreter (start-up
imports, the analysis, per-frame bookkeeping), the kernel (page faults, process start) and
the C library (copies, allocation). Prints CPU seconds per group for both and the difference.
Linux only; ``perf`` must be installed (``apt-get install linux-perf``) and allowed to sample
(``/proc/sys/kernel/perf_event_paranoid`` <= 1, or root).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLAIN = REPO / "benchmarks" / "bench_plain_loop.py"
HZ = 499
# Substrings of a shared object's name -> the stage it stands for.
GROUPS = (
    ("_framework_bindings", "model (MediaPipe/TFLite)"),
    ("libavcodec", "decode (libavcodec)"),
    ("libswscale", "scale+convert (libswscale)"),
    ("libpython", "Python interpreter"),
    ("kernel", "kernel"),
    ("libc.so", "C library"),
)


def profile(cmd: list[str], data: Path) -> dict[str, float]:
    """Return CPU seconds per group of one run of ``cmd`` under perf."""
    subprocess.run(
        ["perf", "record", "-q", "-F", str(HZ), "-o", str(data), "--", *cmd],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    report = subprocess.run(
        ["perf", "report", "-i", str(data), "--no-children", "-g", "none", "--sort", "dso",
         "--stdio", "-n"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    seconds: dict[str, float] = defaultdict(float)
    for line in report.splitlines():
        fields = line.split()
        if len(fields) < 3 or line.startswith("#") or not fields[1].isdigit():
            continue
        name = " ".join(fields[2:])
        group = next((g for key, g in GROUPS if key in name), "other")
        seconds[group] += int(fields[1]) / HZ
    return dict(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    args = parser.parse_args()
    if shutil.which("perf") is None:
        sys.exit("bench_profile: expected the perf tool on PATH (apt-get install linux-perf)")
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        formcheck = [py, "-m", "formcheck", "analyze", str(args.clip), "--no-cache",
                     "--json", str(out / "out.json")]  # fmt: skip
        ours = profile(formcheck, out / "formcheck.data")
        theirs = profile([py, str(PLAIN), str(args.clip), str(out / "plain.npy")], out / "p.data")
    names = [g for _, g in GROUPS] + ["other"]
    print(f"{'CPU s':30s} {'formcheck':>10s} {'plain':>10s} {'difference':>11s}")
    for name in [*names, "total"]:
        a = sum(ours.values()) if name == "total" else ours.get(name, 0.0)
        b = sum(theirs.values()) if name == "total" else theirs.get(name, 0.0)
        print(f"{name:30s} {a:10.2f} {b:10.2f} {a - b:+11.2f}")


if __name__ == "__main__":
    main()
