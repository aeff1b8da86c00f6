"""Benchmark of the training log: import 10 years of training, then `log show` / `log advice`.

Generates a Strong semicolon export of ~50,000 sets (3 sessions a week for 10 years, with
warm-ups, pounds, bodyweight sets and deload weeks), imports it into a fresh SQLite file
(and PostgreSQL when FORMCHECK_TEST_PG_URL is set), and times each step in one run.
Baseline: reading the same CSV with the standard csv module alone, so the import cost is
also shown as a ratio to plain parsing.

Targets: import < 5 s, show < 0.5 s, advice < 0.5 s.

    python benchmarks/bench_log.py [--years 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from formcheck.cli import main
from formcheck.log import records
from formcheck.log.advice import advise
from formcheck.log.db import open_database
from formcheck.log.findings import build_report
from formcheck.log.importers import parse_export

HEADER = (
    "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;"
    "Distance Unit;Seconds;Notes;Workout Notes;Workout Duration"
)
PLAN = {  # day of week -> (title, [(exercise, base kg, work sets, reps, lb?)])
    0: (
        "Squat day",
        [
            ("Squat (Barbell)", 100, 5, 5, False),
            ("Leg Press", 180, 4, 10, False),
            ("Lying Leg Curl (Machine)", 40, 4, 12, False),
            ("Plank", 0, 3, 0, False),
            ("Pull Up", 0, 4, 8, False),
            ("Leg Extension (Machine)", 50, 4, 12, False),
            ("Calf Raise", 60, 4, 15, True),
        ],
    ),
    2: (
        "Bench day",
        [
            ("Bench Press (Barbell)", 80, 5, 5, False),
            ("Bent Over Row (Barbell)", 70, 4, 8, False),
            ("Overhead Press (Barbell)", 50, 4, 6, False),
            ("Triceps Pushdown", 30, 4, 12, True),
            ("Bicep Curl (Dumbbell)", 14, 4, 10, False),
            ("Face Pull (Cable)", 25, 4, 15, False),
            ("Chest Dip", 0, 4, 10, False),
        ],
    ),
    4: (
        "Deadlift day",
        [
            ("Deadlift (Barbell)", 140, 4, 3, True),
            ("Front Squat (Barbell)", 80, 4, 5, False),
            ("Romanian Deadlift (Barbell)", 100, 3, 8, False),
            ("Hanging Leg Raise", 0, 3, 12, False),
            ("Lat Pulldown", 60, 4, 10, False),
            ("Hip Thrust (Barbell)", 100, 4, 10, False),
            ("Back Extension", 0, 4, 12, False),
        ],
    ),
}


def generate(path: Path, years: int, seed: int = 7) -> int:
    """Write a Strong semicolon export of ``years`` of training; return the number of sets."""
    rng = random.Random(seed)
    start = dt.date.today() - dt.timedelta(days=365 * years)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER + "\n")
        for d in range(365 * years + 1):
            day = start + dt.timedelta(days=d)
            if day.weekday() not in PLAN:
                continue
            week = d // 7
            deload = week % 8 == 7
            growth = 1 + 0.5 * (d / (365 * years))  # slow progress over the decade
            title, plan = PLAN[day.weekday()]
            stamp = f"{day.isoformat()} {rng.randint(6, 19):02d}:{rng.randint(0, 59):02d}:00"
            for name, base, sets, reps, lb in plan:
                kg = round(base * growth * (0.6 if deload else 1) / 2.5) * 2.5
                unit, factor = ("lbs", 2.2046226) if lb else ("kg", 1.0)
                order = 0
                if kg and base >= 80:  # two warm-up sets on the main lifts
                    for frac in (0.5, 0.75):
                        order += 1
                        f.write(
                            f'{stamp};"{title}";"{name}";{order};{kg * frac * factor:.1f};{unit};'
                            f'5;;;;0;"";"";"1h 10m"\n'
                        )
                        n += 1
                for _ in range(sets):
                    order += 1
                    rpe = "" if rng.random() < 0.5 else f"{rng.choice([7, 7.5, 8, 8.5, 9])}"
                    seconds = 60 if reps == 0 else 0
                    f.write(
                        f'{stamp};"{title}";"{name}";{order};{kg * factor:.1f};{unit};'
                        f'{reps or ""};{rpe};;;{seconds};"";"";"1h 10m"\n'
                    )
                    n += 1
    return n


def _time(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench(url: str, csv_path: Path, label: str) -> dict[str, float]:
    """Return timings (s) of import, re-import, show and advice on the database at ``url``."""
    t_open, db = _time(lambda: open_database(url))
    t_parse, export = _time(lambda: parse_export(csv_path, tz="Europe/Berlin"))
    t0 = time.perf_counter()
    summary = records.import_export(db, export)
    t_write = time.perf_counter() - t0
    t_reimport, again = _time(
        lambda: records.import_export(db, parse_export(csv_path, tz="Europe/Berlin"))
    )
    assert again.sets_added == 0, "re-import must add nothing"
    t_show, _ = _time(lambda: records.recent_sessions(db, 10), repeat=3)
    t_advice, _ = _time(lambda: advise(build_report(db)), repeat=3)
    runner = CliRunner()
    t_cli_show, res = _time(lambda: runner.invoke(main, ["log", "--db", url, "show"]), repeat=3)
    assert res.exit_code == 0, res.output
    t_cli_advice, res = _time(lambda: runner.invoke(main, ["log", "--db", url, "advice"]), repeat=3)
    assert res.exit_code == 0, res.output
    env = {**os.environ, "FORMCHECK_DB": url}
    exe = [sys.executable, "-m", "formcheck", "log"]
    t_proc_show, _ = _time(
        lambda: subprocess.run([*exe, "show"], env=env, check=True, capture_output=True), repeat=3
    )
    t_proc_advice, _ = _time(
        lambda: subprocess.run([*exe, "advice"], env=env, check=True, capture_output=True), repeat=3
    )
    db.close()
    print(f"\n[{label}] {summary.sets_added} sets in {summary.sessions_added} sessions")
    return {
        "open+migrate": t_open,
        "parse": t_parse,
        "write": t_write,
        "import (parse+write)": t_parse + t_write,
        "re-import (adds 0)": t_reimport,
        "show (library)": t_show,
        "advice (library)": t_advice,
        "log show (CLI, in-process)": t_cli_show,
        "log advice (CLI, in-process)": t_cli_advice,
        "log show (new process)": t_proc_show,
        "log advice (new process)": t_proc_advice,
    }


def _pg_url() -> tuple[str, object] | None:
    raw = os.environ.get("FORMCHECK_TEST_PG_URL")
    if not raw:
        return None
    name = f"formcheck_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(raw, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return raw.rsplit("/", 1)[0] + f"/{name}", drop


def main_() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--keep", type=Path, default=None, help="keep the CSV and db here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_log_"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "strong_10y.csv"
    n = generate(csv_path, args.years)
    t_base, rows = _time(
        lambda: sum(1 for _ in csv.reader(csv_path.open(encoding="utf-8"), delimiter=";"))
    )
    print(
        f"generated {n} sets ({csv_path.stat().st_size / 1e6:.1f} MB); "
        f"baseline csv.reader alone: {t_base:.3f} s for {rows} rows"
    )
    results = {"sqlite": bench(f"sqlite:///{work / 'log.db'}", csv_path, "sqlite")}
    pg = _pg_url()
    if pg:
        try:
            results["postgres"] = bench(pg[0], csv_path, "postgres")
        finally:
            pg[1]()  # type: ignore[operator]
    targets = {
        "import (parse+write)": 5.0,
        "show (library)": 0.5,
        "advice (library)": 0.5,
        "log show (CLI, in-process)": 0.5,
        "log advice (CLI, in-process)": 0.5,
    }
    print(f"\n{'step':32s}" + "".join(f"{k:>12s}" for k in results) + "   target  x csv.reader")
    for step in results["sqlite"]:
        vals = "".join(f"{results[k][step]:11.3f}s" for k in results)
        target = f"< {targets[step]:.1f} s" if step in targets else ""
        ratio = f"{results['sqlite'][step] / t_base:8.1f}x" if "import" in step else ""
        print(f"{step:32s}{vals}   {target:8s}{ratio}")
    failed = [f"{k}:{s}" for k, r in results.items() for s, lim in targets.items() if r[s] >= lim]
    print("\nall targets met" if not failed else f"\nTARGETS MISSED: {', '.join(failed)}")


if __name__ == "__main__":
    main_()
