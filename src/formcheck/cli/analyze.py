"""``formcheck analyze``: parse the flags, run the analysis, render it in the terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcheck.config import STYLES, load_rules, load_settings, parse_overrides
from formcheck.output import write_csv, write_json
from formcheck.pipeline import AnalysisOptions, analyze_video
from formcheck.result import Analysis
from formcheck.track import PoseTrack

# Piped output gets a fixed width so tables do not squash to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 130)

# (metric, header, format): the columns of the per-rep table, in reading order.
COLUMNS = [
    ("depth_thigh_deg", "depth°", "{:+.0f}"),
    ("knee_min_deg", "knee°", "{:.0f}"),
    ("trunk_lean_max_deg", "lean°", "{:.0f}"),
    ("early_ascent_lean_change_deg", "hips-1st°", "{:+.0f}"),
    ("neck_change_deg", "neck°", "{:+.0f}"),
    ("heel_lift", "heel", "{:.2f}"),
    ("knee_past_toes", "knee>toe", "{:+.2f}"),
    ("bar_drift", "bar", "{:.2f}"),
    ("mean_concentric_velocity", "m/s", "{:.2f}"),
    ("start_trunk_lean_deg", "set lean°", "{:.0f}"),
    ("start_hip_deg", "set hip°", "{:.0f}"),
    ("early_pull_lean_change_deg", "hips-up°", "{:+.0f}"),
    ("bar_from_midfoot", "bar", "{:+.2f}"),
    ("lockout_lean_back_deg", "lean back°", "{:+.0f}"),
    ("knee_width_ratio", "knees/feet", "{:.2f}"),
    ("stance_width_ratio", "stance", "{:.2f}"),
    ("lateral_shift", "shift", "{:+.2f}"),
    ("uneven_depth", "uneven", "{:.2f}"),
]
TEMPO = ("descent_s", "pause_s", "ascent_s")
DEADLIFT_TEMPO = ("pull_s", "lockout_s", "lower_s")
LEGEND = (
    "depth: thigh below parallel (+) or above (-); knee: smallest knee angle; lean: trunk "
    "from vertical; hips-1st: lean gained early in the ascent; neck: bend beyond neutral "
    "(+ up); heel, knee>toe, bar: foot lengths; tempo: down/pause/up seconds (deadlift: "
    "pull/lockout/lower; hips-up: lean gained early in the pull; lean back: at lockout)"
)


def _fmt(value: object, pattern: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return pattern.format(value)


def render(analysis: Analysis) -> None:
    """Print the analysis: clip facts, a table per rep, faults, what to fix first, warnings."""
    v = analysis.video
    console.print(
        f"[bold]{Path(v.path).name}[/]  {v.width}x{v.height}, {v.fps:.2f} fps, "
        f"{v.duration_s:.1f} s, rotation {v.rotation}°  |  lift: {analysis.lift}, "
        f"style: {analysis.style}"
    )
    view = analysis.view
    facing = f", facing {view.facing}" if view.facing else ""
    console.print(f"view: [bold]{view.view}[/]{facing} ({view.reason})")
    console.print(f"lift: {analysis.lift_reason}", highlight=False)
    used = [c for c in COLUMNS if any(c[0] in r.metrics for r in analysis.reps)]
    table = Table(title=f"{len(analysis.reps)} rep(s)", header_style="bold", caption=LEGEND)
    for header in ["rep", "time s", *[c[1] for c in used], "tempo s", "faults"]:
        table.add_column(header, justify="left" if header == "faults" else "right")
    for rep in analysis.reps:
        m = rep.metrics
        cells = [_fmt(m[c[0]].value if c[0] in m else None, c[2]) for c in used]
        keys = DEADLIFT_TEMPO if analysis.lift == "deadlift" else TEMPO
        tempo = "/".join(_fmt(m[k].value if k in m else None, "{:.1f}") for k in keys)
        faults = ", ".join(dict.fromkeys(f.id for f in rep.faults)) or "-"
        label = f"{rep.index}{' partial' if rep.partial else ''}"
        table.add_row(label, f"{rep.start_s:.1f}-{rep.end_s:.1f}", *cells, tempo, faults)
    console.print(table)
    for fault in analysis.faults:
        style = "yellow" if fault.severity != "fault" else "red"
        console.print(
            f"  [{style}]{fault.id}[/] ({fault.severity}): {fault.evidence}", highlight=False
        )
    console.print("[bold]What to fix first[/]")
    for line in analysis.summary:
        console.print(f"  {line}", highlight=False)
    for warning in analysis.warnings:
        console.print(f"  [dim]note: {warning}[/]", highlight=False)
    console.print(
        "[dim]formcheck is not a doctor: if pain is sharp, lasting or getting worse, "
        "see a professional.[/]"
    )


@contextmanager
def _bar(label: str) -> Iterator[tuple[Progress, Callable[[int, int], None]]]:
    """Yield a rich progress bar and a ``progress(done, total)`` callback that drives it."""
    with Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} frames"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield bar, progress


@click.command()
@click.argument("video", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lift",
    type=click.Choice(["auto", "squat", "deadlift"]),
    default="auto",
    show_default=True,
    help="auto tells a squat from a deadlift from the motion and says why.",
)
@click.option(
    "--style",
    type=click.Choice(list(STYLES)),
    default=None,
    help="Threshold preset; default high_bar for squats, conventional for deadlifts.",
)
@click.option(
    "--height-cm", type=float, default=None, help="Lifter's height: enables velocity in m/s."
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the analysis JSON (schema formcheck.analysis/1).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write per-frame angles as CSV.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write analysis.json, the annotated video, plots and the HTML report here.",
)
@click.option(
    "--export", "exports", default="", help="Also export series: comma list of mot,trc,csv."
)
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="FAULT=VALUE",
    help="Override a fault threshold, e.g. forward_lean=50 (repeatable).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override an analysis setting, e.g. signals.lowpass_hz=5 (repeatable).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML settings file in the shape of formcheck/data/analysis.toml.",
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML rules file in the shape of formcheck/data/rules.toml.",
)
@click.option(
    "--person",
    default="auto",
    show_default=True,
    help="Who to analyse when two people are in frame: auto (the one doing reps, else the "
    "largest and most central), left, right, largest, or N counting from the left.",
)
@click.option("--start", "start_s", type=float, default=None, help="Analyse from this time (s) on.")
@click.option("--end", "end_s", type=float, default=None, help="Analyse up to this time (s).")
@click.option("--no-cache", is_flag=True, help="Run the pose model even if a cached track exists.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where pose tracks are cached (default $FORMCHECK_CACHE_DIR or the user cache).",
)
def analyze(
    video: Path,
    lift: str,
    style: str | None,
    height_cm: float | None,
    json_path: Path | None,
    csv_path: Path | None,
    out_dir: Path | None,
    exports: str,
    thresholds: tuple[str, ...],
    sets: tuple[str, ...],
    config_path: Path | None,
    rules_path: Path | None,
    person: str,
    start_s: float | None,
    end_s: float | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Analyse a squat video: reps, per-rep measurements and form faults."""
    settings = load_settings(config_path).with_overrides(parse_overrides(sets))
    rules = load_rules(rules_path)
    kinds = _export_kinds(exports) if out_dir else ()
    options = AnalysisOptions(
        lift=lift,
        style=style,
        height_cm=height_cm,
        thresholds=parse_overrides(thresholds),
        settings=settings,
        rules=rules,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        person=person,
        start_s=start_s,
        end_s=end_s,
    )
    with _bar("pose") as (_, progress):
        analysis = analyze_video(video, options, progress=progress)
    track = analysis.track
    assert track is not None
    parts = analysis.parts
    if parts:
        console.print(
            "[bold]The clip changes camera view: each part is analysed on its own.[/] "
            "(--json also writes one file per part; the report covers the whole clip.)"
        )
    for part in parts or [analysis]:
        render(part)
    if json_path:
        console.print(f"wrote {write_json(analysis, json_path)}")
    for i, part in enumerate(parts, start=1):
        if json_path:
            console.print(f"wrote {write_json(part, json_path.with_suffix(f'.part{i}.json'))}")
    if csv_path:
        console.print(f"wrote {write_csv(analysis, csv_path)}")
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = {"analysis.json": write_json(analysis, out_dir / "analysis.json")}
        written.update(_write_report(analysis, track, video, out_dir, kinds))
        for name, path in written.items():
            console.print(f"wrote {name}: {path}")


def _export_kinds(exports: str) -> tuple[str, ...]:
    """Return the requested export kinds, checked before the slow pose pass."""
    from formcheck.report import check_exports

    wanted = tuple(e.strip() for e in exports.split(",") if e.strip())
    check_exports(wanted)
    return wanted


def _write_report(
    analysis: Analysis, track: PoseTrack, video: Path, out_dir: Path, kinds: tuple[str, ...]
) -> dict[str, Path]:
    from formcheck.report import write_outputs

    with _bar("render") as (_, progress):
        return dict(
            write_outputs(analysis, track, video, out_dir, exports=kinds, progress=progress)
        )
