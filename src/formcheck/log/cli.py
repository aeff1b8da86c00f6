"""``formcheck log``: a thin CLI over the training-log library (parse, call, render)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from formcheck.errors import EntryParseError, StoredResultError
from formcheck.terminal import safe_text

if TYPE_CHECKING:
    from formcheck.log.db import LogDatabase

# Library modules (SQLAlchemy, Alembic, pydantic) are imported inside the commands so that
# `formcheck` itself, and its other commands, start fast.

console = Console()


def local_zone_name() -> str:
    """Return the IANA name of this machine's time zone (``TZ``, /etc/localtime, else UTC)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
                return name
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


def _db(ctx: click.Context) -> LogDatabase:
    from formcheck.log.db import open_database

    obj = ctx.ensure_object(dict)
    if "db" not in obj:
        obj["db"] = open_database(obj.get("url"))
        ctx.call_on_close(obj["db"].close)
    return obj["db"]


def _zone_option(f: Any) -> Any:
    return click.option(
        "--tz",
        default=None,
        metavar="ZONE",
        help="IANA time zone of the dates (default: this machine's).",
    )(f)


def _check_zone(tz: str | None) -> str:
    name = tz or local_zone_name()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EntryParseError(
            f"--tz: expected an IANA zone such as Europe/Berlin, received {name!r}"
        ) from exc
    return name


@click.group()
@click.option(
    "--db",
    "url",
    default=None,
    metavar="URL",
    help="SQLAlchemy URL or SQLite path (default: $FORMCHECK_DB, else the user data dir).",
)
@click.pass_context
def log(ctx: click.Context, url: str | None) -> None:
    """Keep a training log: sets, pain, videos; warnings and advice for next week."""
    ctx.ensure_object(dict)["url"] = url


@log.command("add")
@click.argument("entry", nargs=-1, required=True)
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Day (YYYY-MM-DD)."
)
@click.option("--warmup", is_flag=True, help="Mark the sets as warm-up sets.")
@click.option("--notes", default="", help="A note kept with the sets.")
@_zone_option
@click.pass_context
def add_cmd(
    ctx: click.Context,
    entry: tuple[str, ...],
    day: dt.datetime | None,
    warmup: bool,
    notes: str,
    tz: str | None,
) -> None:
    """Log sets of one exercise: `squat 100kg 5x5 @8`, `deadlift 225lb 3x5 rir2`."""
    from formcheck.log.entry import local_moment, parse_quick_entry, record_entry

    parsed = parse_quick_entry(list(entry))
    zone = _check_zone(tz)
    when, local_date = local_moment(day.date() if day else None, zone)
    sid, n = record_entry(
        _db(ctx), parsed, when=when, local_date=local_date, tz=zone, warmup=warmup, notes=notes
    )
    weight = "bodyweight" if parsed.weight is None else f"{parsed.weight:g} {parsed.unit}"
    effort = f" @ RPE {parsed.rpe:g}" if parsed.rpe is not None else ""
    console.print(
        f"logged {n} x {parsed.reps} {safe_text(parsed.exercise)} at {weight}{effort} "
        f"on {local_date} (session {sid})"
    )


@log.command("pain")
@click.argument("region")
@click.option("--before", type=int, default=None, help="0-10 before training (baseline).")
@click.option("--during", type=int, default=None, help="0-10 during training.")
@click.option("--after", type=int, default=None, help="0-10 about 2 h after.")
@click.option("--next-morning", type=int, default=None, help="0-10 the next morning.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Session day the pain belongs to (YYYY-MM-DD).",
)
@click.option("--notes", default="", help="A note kept with the pain report.")
@_zone_option
@click.pass_context
def pain_cmd(
    ctx: click.Context,
    region: str,
    before: int | None,
    during: int | None,
    after: int | None,
    next_morning: int | None,
    day: dt.datetime | None,
    notes: str,
    tz: str | None,
) -> None:
    """Record pain in a region (0-10 before / during / after / next morning).

    REGION is one of lower_back, mid_back, upper_back, neck, hamstrings, hip, knee,
    shoulder, other.
    """
    from formcheck.log import records
    from formcheck.log.entry import local_moment, parse_pain_scores, parse_region

    region = parse_region(region)

    scores = parse_pain_scores(
        {"before": before, "during": during, "after": after, "next_morning": next_morning}
    )
    when, local_date = local_moment(day.date() if day else None, _check_zone(tz))
    rid, sid = records.add_pain(_db(ctx), region, scores, when, local_date, notes)
    link = f"linked to session {sid}" if sid else "no session that day; stored unlinked"
    console.print(f"pain report {rid} for {region} on {local_date} ({link})")


@log.command("show")
@click.option("--limit", default=10, show_default=True, help="Number of sessions.")
@click.pass_context
def show_cmd(ctx: click.Context, limit: int) -> None:
    """Show recent sessions as a table."""
    from formcheck.log import records

    rows = records.recent_sessions(_db(ctx), limit)
    table = Table(title=f"last {len(rows)} sessions")
    for col in ("date", "session", "sets", "tonnage kg", "top set", "exercises"):
        table.add_column(col, justify="right" if col in ("sets", "tonnage kg") else "left")
    for r in rows:
        table.add_row(
            str(r.local_date),
            safe_text(r.title),
            str(r.sets),
            f"{r.tonnage_kg:,.0f}",
            safe_text(r.top_set),
            safe_text(r.exercises),
        )
    console.print(table)


@log.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--unit",
    type=click.Choice(["kg", "lb"]),
    default="kg",
    show_default=True,
    help="Weight unit of Strong's comma export (it does not record one).",
)
@_zone_option
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, unit: str, tz: str | None) -> None:
    """Import a Strong or Hevy CSV export (format recognised from the header)."""
    from formcheck.log import records
    from formcheck.log.importers import parse_export

    export = parse_export(file, tz=_check_zone(tz), unit=unit)
    db = _db(ctx)
    with Progress(
        TextColumn("importing {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(safe_text(file.name), total=max(len(export.sets), 1))
        summary = records.import_export(
            db, export, lambda done, _t: bar.update(task, completed=done)
        )
    console.print(
        f"{safe_text(file.name)} ({summary.format}): {summary.rows_read} rows read, "
        f"{summary.sets_added} sets added in {summary.sessions_added} new sessions, "
        f"{summary.already_present} already present, {summary.duplicates_in_file} duplicate rows"
    )
    for note in summary.skipped:
        console.print(f"  skipped {safe_text(note)}", style="yellow")


@log.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="File format of the export.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="File (default: stdout)."
)
@click.option(
    "--raw-csv",
    is_flag=True,
    help="Keep CSV cells that start with = + - @ as stored (default: prefixed with ').",
)
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, out: Path | None, raw_csv: bool) -> None:
    """Export every set (CSV) or the whole log (JSON)."""
    from formcheck.log.export import export_csv, export_json
    from formcheck.paths import check_output_path

    if out is not None:
        check_output_path(out, "--out")
    text = export_csv(_db(ctx), raw=raw_csv) if fmt == "csv" else export_json(_db(ctx))
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {safe_text(out)}")


def _as_of(value: dt.datetime | None) -> dt.datetime | None:
    return value if value is None else value.replace(hour=23, minute=59)


@log.command("advice")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge the log as on this day (default: now).",
)
@click.option("--json", "as_json", is_flag=True, help="Print warnings, advice and context as JSON.")
@click.pass_context
def advice_cmd(ctx: click.Context, as_of: dt.datetime | None, as_json: bool) -> None:
    """Say what to do next week, with the warnings (reasons and numbers) behind it."""
    from formcheck.log.advice import DISCLAIMER, advise
    from formcheck.log.findings import build_report

    report = build_report(_db(ctx), _as_of(as_of))
    advice = advise(report)
    if as_json:
        doc = {
            "context": dataclasses.asdict(report.context),
            "warnings": [dataclasses.asdict(w) for w in report.warnings],
            "advice": [dataclasses.asdict(a) for a in advice],
            "disclaimer": DISCLAIMER,
        }
        click.echo(json.dumps(doc, indent=2, default=str))
        return
    for lift, (exercise, est) in report.best_e1rm.items():
        if lift in ("squat", "deadlift"):
            console.print(
                f"{lift}: best e1RM {est.estimate:.1f} kg ({est.low:.1f}-{est.high:.1f}) "
                f"from {safe_text(exercise)} {est.weight_kg:.1f} kg x {est.reps}"
            )
    for w in report.warnings:
        console.print(f"[yellow]warning[/] {safe_text(w.message)}", highlight=False)
    console.print("[bold]next week[/]")
    for a in advice:
        console.print(
            f"- {safe_text(a.action)}\n  [dim]why: {safe_text(a.reason)}[/]", highlight=False
        )
    console.print(f"[dim]{DISCLAIMER}[/]")


@log.command("context")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge the log as on this day (default: now).",
)
@click.pass_context
def context_cmd(ctx: click.Context, as_of: dt.datetime | None) -> None:
    """Print the training context that triage uses, as JSON."""
    from formcheck.log.findings import training_context

    click.echo(
        json.dumps(
            dataclasses.asdict(training_context(_db(ctx), _as_of(as_of))), indent=2, default=str
        )
    )


@log.command("plot")
@click.argument("kind", type=click.Choice(["strength", "pain"]))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="A .png or .svg file.")
@click.pass_context
def plot_cmd(ctx: click.Context, kind: str, out: Path) -> None:
    """Plot e1RM and weekly load per lift (strength), or pain per region (pain)."""
    from formcheck.log.plots import plot_pain, plot_strength
    from formcheck.paths import check_output_path

    check_output_path(out, "--out")
    path = plot_strength(_db(ctx), out) if kind == "strength" else plot_pain(_db(ctx), out)
    console.print(f"wrote {safe_text(path)}")


@log.command("lifter")
@click.option("--name", default=None, help="The lifter's name.")
@click.option(
    "--height-cm", type=click.FloatRange(50, 250), default=None, help="Height in cm."
)
@click.option(
    "--body-mass-kg", type=click.FloatRange(20, 300), default=None, help="Body mass in kg."
)
@click.option(
    "--training-age",
    "training_age",
    type=click.FloatRange(0, 80),
    default=None,
    help="Years of regular training.",
)
@click.pass_context
def lifter_cmd(
    ctx: click.Context,
    name: str | None,
    height_cm: float | None,
    body_mass_kg: float | None,
    training_age: float | None,
) -> None:
    """Show or set the lifter's height, body mass and training age."""
    from formcheck.log import records

    profile = records.update_lifter(
        _db(ctx),
        height_cm=height_cm,
        body_mass_kg=body_mass_kg,
        training_age_years=training_age,
        name=name,
    )
    shown = (f"{k}: {safe_text(v) if v is not None else '-'}" for k, v in profile.items())
    console.print(", ".join(shown))


def _read_json(file: Path) -> dict[str, Any]:
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StoredResultError(f"expected a JSON file at {file}, but none exists") from exc
    except json.JSONDecodeError as exc:
        raise StoredResultError(
            f"{file.name}: expected JSON, received invalid text ({exc})"
        ) from exc
    if not isinstance(doc, dict):
        raise StoredResultError(
            f"{file.name}: expected a JSON object, received {type(doc).__name__}"
        )
    return doc


@log.command("video")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Session day the video belongs to.",
)
@_zone_option
@click.pass_context
def video_cmd(ctx: click.Context, file: Path, day: dt.datetime | None, tz: str | None) -> None:
    """Store a `formcheck analyze` JSON and its faults, linked to that day's session."""
    from formcheck.log import records
    from formcheck.log.entry import local_moment

    when, local_date = local_moment(day.date() if day else None, _check_zone(tz))
    aid, sid, new = records.add_analysis(_db(ctx), _read_json(file), when, local_date)
    state = "stored" if new else "already stored"
    console.print(f"analysis {aid} {state} (session {sid or 'none'})")


@log.command("triage")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Day of the triage (YYYY-MM-DD, default today).",
)
@_zone_option
@click.pass_context
def triage_cmd(ctx: click.Context, file: Path, day: dt.datetime | None, tz: str | None) -> None:
    """Store a triage result JSON (with a `verdict`), linked to that day's session."""
    from formcheck.log import records
    from formcheck.log.entry import local_moment

    when, local_date = local_moment(day.date() if day else None, _check_zone(tz))
    tid, sid = records.add_triage(_db(ctx), _read_json(file), when, local_date)
    console.print(f"triage {tid} stored (session {sid or 'none'})")
