"""``formcheck analyze``: parse the flags, run the analysis, render it in the terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from formcheck.cli import replay
from formcheck.paths import cache_folder, check_output_path
from formcheck.styles import STYLES
from formcheck.terminal import LazyConsole, safe_text

if TYPE_CHECKING:  # numpy and the result types load when a clip is analysed, not for --help
    from rich.progress import Progress

    from formcheck.config import RuleBook
    from formcheck.pipeline import AnalysisOptions
    from formcheck.result import Analysis, Metric
    from formcheck.track import PoseTrack

# Piped output gets a fixed width so tables do not squash to 80 columns.
console = LazyConsole(width=None if sys.stdout.isatty() else 130)


def _fmt(value: object, pattern: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return pattern.format(value)


def _cell(metric: Metric | None, pattern: str) -> str:
    """Return a table cell: the value, its uncertainty (``±4``) and its words when it has them."""
    if metric is None:
        return "-"
    text = _fmt(metric.value, pattern)
    if metric.value is not None and metric.uncertainty is not None:
        text += f"±{metric.uncertainty:.0f}"
    return f"{text} {metric.words}" if metric.words else text


def render(analysis: Analysis, rules: RuleBook) -> None:
    """Print the analysis: clip facts, a table per rep, faults, what to fix first, warnings.

    The table's columns, tempo metrics and legend come from the rules file (``[table]``).
    """
    from rich.table import Table

    from formcheck.analysis.faults import confidence_words, not_judged_notes

    v = analysis.video
    console.print(
        f"[bold]{safe_text(Path(v.path).name)}[/]  {v.width}x{v.height}, {v.fps:.2f} fps, "
        f"{v.duration_s:.1f} s, rotation {v.rotation}°  |  lift: {analysis.lift}, "
        f"style: {analysis.style}"
    )
    view = analysis.view
    facing = f", facing {view.facing}" if view.facing else ""
    console.print(f"view: [bold]{view.view}[/]{facing} ({safe_text(view.reason)})")
    console.print(f"lift: {safe_text(analysis.lift_reason)}", highlight=False)
    # The style's rule book: a style-only check (front-squat elbows) adds no column elsewhere.
    book = rules.for_style(analysis.style) if analysis.style in rules.styles else rules
    used = [c for c in book.columns() if any(c.metric in r.metrics for r in analysis.reps)]
    caption = rules.table.legend or None
    table = Table(title=f"{len(analysis.reps)} rep(s)", header_style="bold", caption=caption)
    tempo_of = rules.table.tempo
    keys = tempo_of.get(analysis.style) or tempo_of.get(analysis.lift, [])
    for header in ["rep", "time s", *[c.header for c in used], "tempo s", "faults"]:
        table.add_column(header, justify="left" if header == "faults" else "right")
    for rep in analysis.reps:
        m = rep.metrics
        cells = [_cell(m.get(c.metric), c.format) for c in used]
        tempo = "/".join(_fmt(m[k].value if k in m else None, "{:.1f}") for k in keys)
        faults = ", ".join(dict.fromkeys(f.id for f in rep.faults)) or "-"
        label = f"{rep.index}{' partial' if rep.partial else ''}"
        table.add_row(label, f"{rep.start_s:.1f}-{rep.end_s:.1f}", *cells, tempo, faults)
    console.print(table)
    for fault in analysis.faults:
        style = "yellow" if fault.severity != "fault" else "red"
        evidence = safe_text(fault.evidence)
        console.print(
            f"  [{style}]{fault.id}[/] ({fault.severity}, {confidence_words(fault)}): {evidence}",
            highlight=False,
        )
    unjudged = not_judged_notes(analysis.reps)
    if unjudged:
        console.print(
            "[bold]Not judged[/] (the footage could not support these checks, "
            "or they are not validated)"
        )
    for line in unjudged:
        shown = safe_text(line.removeprefix("not judged: "))
        console.print(f"  [yellow]{shown}[/]", highlight=False)
    console.print("[bold]What to fix first[/]")
    for line in analysis.summary:
        console.print(f"  {safe_text(line)}", highlight=False)
    for warning in (w for w in analysis.warnings if w not in [*unjudged, *analysis.summary]):
        console.print(f"  [dim]note: {safe_text(warning)}[/]", highlight=False)
    console.print(
        "[dim]formcheck is not a doctor: if pain is sharp, lasting or getting worse, "
        "see a professional.[/]"
    )


@contextmanager
def _bar(label: str) -> Iterator[tuple[Progress, Callable[[int, int], None]]]:
    """Yield a rich progress bar and a ``progress(done, total)`` callback that drives it."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} frames"),
        TimeRemainingColumn(),
        console=console.get(),
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
    help="Override a setting, e.g. signals.lowpass_hz=5 or pose.min_person_height=0.1 "
    "(repeatable; ranges in formcheck/data/*.toml).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file with some entries of formcheck/data/analysis.toml to override.",
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
@click.option(
    "--all-people",
    is_flag=True,
    help="Analyse each person in frame (up to 2, from the left): one table each, and "
    "--json/--csv/--out write one per person (NAME.person1.json, ...; --out DIR/person1/).",
)
@click.option("--start", "start_s", type=float, default=None, help="Analyse from this time (s) on.")
@click.option("--end", "end_s", type=float, default=None, help="Analyse up to this time (s).")
@click.option("--no-cache", is_flag=True, help="Run the pose model even if a cached track exists.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where pose tracks, clip hashes and finished analyses are cached (default "
    "$FORMCHECK_CACHE_DIR or the user cache).",
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
    all_people: bool,
    start_s: float | None,
    end_s: float | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Analyse a squat video: reps, per-rep measurements and form faults."""
    if exports and not out_dir:
        raise click.UsageError(f"--export {exports!r} needs --out DIRECTORY to write into")
    kinds = _export_kinds(exports) if out_dir else ()
    _check_outputs(json_path, csv_path, out_dir)
    # The same command run before on the same clip: print and write what it did then.
    again = None if no_cache or out_dir or all_people else _request(video, cache_dir)
    if again is not None and replay.replay(again, cache_folder(cache_dir)):
        return
    from formcheck.config import load_rules, load_settings, parse_overrides
    from formcheck.pipeline import AnalysisOptions, analyze_video

    options = AnalysisOptions(
        lift=lift,
        style=style,
        height_cm=height_cm,
        thresholds=parse_overrides(thresholds, "--threshold"),
        settings=load_settings(config_path),
        rules=load_rules(rules_path),
        overrides=parse_overrides(sets, "--set"),
        cache_dir=cache_dir,
        use_cache=not no_cache,
        person=person,
        start_s=start_s,
        end_s=end_s,
    ).resolved()  # every flag is checked here, before the pose pass
    if all_people:
        from formcheck.all_people import analyze_people

        with _bar("pose") as (_, progress):
            people = analyze_people(video, options, progress=progress)
        for n, analysis in enumerate(people, start=1):
            if len(people) > 1:
                console.print(f"[bold]Person {n} of {len(people)}[/]")
            suffix = f".person{n}" if len(people) > 1 else ""
            _emit(analysis, options, video, _Outputs(json_path, csv_path, out_dir, kinds), suffix)
        return
    with _bar("pose") as (_, progress):
        analysis = analyze_video(video, options, progress=progress)
    outs = _Outputs(json_path, csv_path, out_dir, kinds)
    if again is None:
        _emit(analysis, options, video, outs, "")
        return
    console.begin_capture()  # the text as rendered, kept for the next identical command
    try:
        written = _emit(analysis, options, video, outs, "")
    finally:
        text = console.end_capture()
        console.file.write(text)
        console.file.flush()
    assert analysis.track is not None
    replay.record(again, text, written, analysis.track.history)


def _request(video: Path, cache_dir: Path | None) -> replay.Request | None:
    """Return this command line's replay request (None: the clip cannot be read to hash it)."""
    ctx = click.get_current_context()
    inputs = {"--config": ctx.params["config_path"], "--rules": ctx.params["rules_path"]}
    try:
        return replay.request(ctx.params, video, cache_folder(cache_dir), inputs)
    except OSError:
        return None  # the run itself reports the missing or unreadable clip by name


@dataclass(frozen=True)
class _Outputs:
    json_path: Path | None
    csv_path: Path | None
    out_dir: Path | None
    kinds: tuple[str, ...]


def _emit(
    analysis: Analysis, options: AnalysisOptions, video: Path, outs: _Outputs, suffix: str
) -> list[Path]:
    """Render one analysis and write its files; return the files.

    ``suffix`` (``.person2``) names one person's files apart.
    """
    from formcheck.output import write_csv, write_json

    track = analysis.track
    assert track is not None
    parts = analysis.parts
    if parts:
        console.print(
            "[bold]The clip changes camera view: each part is analysed on its own.[/] "
            "(--json also writes one file per part; the report covers the whole clip.)"
        )
    assert options.rules is not None  # loaded by resolved()
    for part in parts or [analysis]:
        render(part, options.rules)
    files: list[Path] = []
    json_path = _named(outs.json_path, suffix)
    if json_path:
        files.append(write_json(analysis, json_path))
        console.print(f"wrote {safe_text(files[-1])}")
    for i, part in enumerate(parts, start=1):
        if json_path:
            files.append(write_json(part, json_path.with_suffix(f".part{i}.json")))
            console.print(f"wrote {safe_text(files[-1])}")
    csv_path = _named(outs.csv_path, suffix)
    if csv_path:
        files.append(write_csv(analysis, csv_path))
        console.print(f"wrote {safe_text(files[-1])}")
    if outs.out_dir:
        out_dir = outs.out_dir / suffix.lstrip(".") if suffix else outs.out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        written = {"analysis.json": write_json(analysis, out_dir / "analysis.json")}
        written.update(_write_report(analysis, track, video, out_dir, outs.kinds))
        for name, path in written.items():
            console.print(f"wrote {name}: {safe_text(path)}")
        files.extend(written.values())
    return files


def _named(path: Path | None, suffix: str) -> Path | None:
    """Return ``path`` with ``suffix`` before its extension (unchanged without a suffix)."""
    if path is None or not suffix:
        return path
    return path.with_name(f"{path.stem}{suffix}{path.suffix}")


def _check_outputs(json_path: Path | None, csv_path: Path | None, out_dir: Path | None) -> None:
    """Raise OutputPathError now, before the pose pass, for an output that cannot be written."""
    for flag, path in (("--json", json_path), ("--csv", csv_path)):
        if path is not None:
            check_output_path(path, flag)
    if out_dir is not None:
        check_output_path(out_dir, "--out", directory=True)


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
