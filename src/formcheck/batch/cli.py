"""``formcheck batch`` and ``formcheck eval``: parse, call the library, render."""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from formcheck.config import load_rules
from formcheck.errors import BatchError
from formcheck.styles import STYLES

console = Console(width=None if sys.stdout.isatty() else 130)


def _options(lift: str, style: str | None, cache_dir: Path | None, no_cache: bool) -> Any:
    from formcheck.pipeline import AnalysisOptions

    return AnalysisOptions(lift=lift, style=style, cache_dir=cache_dir, use_cache=not no_cache)


def _backend(ray: str | None) -> tuple[str, str | None]:
    return ("ray", ray) if ray else ("local", None)


def run_with_progress(inputs: list[str], out: Path, options: Any, **kw: Any) -> Any:
    """Return the batch summary, drawing one overall bar with the last clip's status."""
    from formcheck.batch.run import check_output_folder, run_batch

    check_output_folder(out)
    with Progress(
        TextColumn("[bold]batch[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def on_start(to_run: int, skipped: int) -> None:
            bar.update(task, total=to_run, description=f"{skipped} done before, skipped")

        def on_result(r: Any) -> None:
            state = f"{r.reps} reps" if r.status == "ok" else f"[red]{r.error_type}[/]"
            bar.update(task, advance=1, description=f"{r.name}: {state}")

        return run_batch(inputs, out, options, on_start=on_start, on_result=on_result, **kw)


def render_summary(summary: Any) -> None:
    """Print the summary table of a batch run."""
    table = Table(title=f"batch: {summary.out}", header_style="bold")
    for name in ("", "what", "count"):
        table.add_column(name, justify="right" if name == "count" else "left")
    for section, name, value in summary.rows():
        table.add_row(section, name, str(value))
    console.print(table)
    console.print(f"wrote {summary.out / 'summary.csv'}; tables in {summary.out}/clips, reps")


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Output folder: analyses/, clips/ and reps/ Parquet tables, summary.csv.",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Processes (default: cores) or Ray actors (default: the cluster's CPUs).",
)
@click.option(
    "--ray",
    "ray",
    default=None,
    metavar="auto|ADDRESS",
    help="Run on Ray Data: 'auto' joins the running cluster (or starts one), else its address.",
)
@click.option("--db", default=None, help="Also store each analysis in this training-log database.")
@click.option(
    "--lift",
    type=click.Choice(["auto", "squat", "deadlift"]),
    default="auto",
    show_default=True,
    help="The lift of every clip; auto detects it per clip.",
)
@click.option("--style", type=click.Choice(list(STYLES)), default=None, help="Threshold preset.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Pose-track cache shared by the workers (default the user cache).",
)
@click.option("--no-cache", is_flag=True, help="Run the pose model even where a track is cached.")
@click.option("--retry-failed", is_flag=True, help="Run clips that failed in an earlier run again.")
def batch(
    paths: tuple[str, ...],
    out: Path,
    workers: int | None,
    ray: str | None,
    db: str | None,
    lift: str,
    style: str | None,
    cache_dir: Path | None,
    no_cache: bool,
    retry_failed: bool,
) -> None:
    """Analyse many clips (files, folders, globs); re-runs skip clips already done."""
    backend, address = _backend(ray)
    summary = run_with_progress(
        list(paths),
        out,
        _options(lift, style, cache_dir, no_cache),
        backend=backend,
        workers=workers,
        ray_address=address,
        db=db,
        retry_failed=retry_failed,
    )
    render_summary(summary)


def _fault_ids() -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for fid, rule in load_rules().faults.items():
        ids.setdefault(rule.lift, []).append(fid)
    return ids


def _pct(total: dict[str, Any]) -> str:
    rate = total["rate"]
    return f"{total['hit']}/{total['of']}" + ("" if rate is None else f" ({100 * rate:.0f}%)")


def _mark(value: bool | None) -> str:
    return "" if value is None else ("[green]✓[/]" if value else "[red]✗[/]")


def _versus(got: object, want: object, ok: bool | None) -> str:
    """Return "got ✓", or "got≠label ✗" when the label disagrees."""
    if ok is None:
        return str(got)
    return f"{got} {_mark(ok)}" if ok else f"{got}≠{want} {_mark(ok)}"


def render_evaluation(ev: Any) -> None:
    """Print one line per clip, the totals and the per-fault scores."""
    from formcheck.evaluation import clip_rows, fault_rows

    table = Table(title="formcheck eval: one line per clip", header_style="bold")
    table.add_column("clip", no_wrap=True)
    for name in ("lift", "view", "reps", "label", "flagged", "missed", "false alarm"):
        table.add_column(name)
    for c, row in zip(ev.clips, clip_rows(ev), strict=True):
        label = " ".join(filter(None, [c.label.verdict or "", *sorted(c.label.present)]))
        if c.status != "ok":
            table.add_row(c.stem, "[red]missing[/]", "", "", label, "", "", "")
            continue
        table.add_row(
            c.stem,
            _versus(c.lift, c.label.lift, c.lift_ok),
            _versus(c.view, c.label.view, c.view_ok),
            _versus(c.reps, c.label.reps, c.reps_ok),
            label,
            (row["faults_flagged"] or "-") + (f" {_mark(c.verdict_ok)}" if c.label.verdict else ""),
            row["missed"],
            row["false_alarms"],
        )
    console.print(table)
    totals = ev.totals()
    names = ("exact_reps", "view", "lift", "clean_on_good", "flagged_on_bad")
    line = "  ".join(f"{n}: {_pct(totals[n])}" for n in names)
    console.print(f"[bold]totals[/] ({totals['clips']} clips, {totals['missing']} missing): {line}")
    faults = Table(title="faults (clips whose label speaks about the fault)", header_style="bold")
    for name in ("fault", "tp", "fp", "fn", "tn", "precision", "recall", "F1"):
        faults.add_column(name, justify="left" if name == "fault" else "right")
    for f in fault_rows(ev):
        faults.add_row(
            f["fault"],
            *(str(f[k]) for k in ("tp", "fp", "fn", "tn")),
            *("-" if f[k] is None else f"{f[k]:.2f}" for k in ("precision", "recall", "f1")),
        )
    console.print(faults)


@click.command("eval")
@click.argument("labels", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--analyses",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder of analysis JSON (e.g. a batch's OUT/analyses); else the clips are run.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Without --analyses: the batch output folder for the labelled clips (default a temp).",
)
@click.option("--workers", type=int, default=None, help="Without --analyses: worker processes.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="Write per-clip CSV.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write all as JSON.")
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=click.Choice(["fault", "experimental", "info"]),
    help="Fault severities that count as a flag (default fault and experimental; repeatable).",
)
def eval_cmd(
    labels: Path,
    analyses: Path | None,
    out: Path | None,
    workers: int | None,
    csv_path: Path | None,
    json_path: Path | None,
    severities: tuple[str, ...],
) -> None:
    """Score analyses against a labels file (clips.json shape): reps, view, lift, faults."""
    from formcheck.evaluation import (
        DEFAULT_SEVERITIES,
        clip_rows,
        evaluate,
        evaluation_dict,
        load_analyses,
        load_labels,
    )

    labelled = load_labels(labels, _fault_ids())
    if analyses is None:
        analyses = _run_labelled(labels, out, workers)
    ev = evaluate(load_analyses(analyses), labelled, severities or DEFAULT_SEVERITIES)
    render_evaluation(ev)
    if csv_path:
        rows = clip_rows(ev)
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["clip"])
            w.writeheader()
            w.writerows(rows)
        console.print(f"wrote {csv_path}")
    if json_path:
        json_path.write_text(json.dumps(evaluation_dict(ev), indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_path}")


def _run_labelled(labels: Path, out: Path | None, workers: int | None) -> Path:
    """Run the clips a labels file lists (paths relative to it) and return the analyses."""
    items = json.loads(labels.read_text("utf-8"))["items"]
    clips = [str(labels.parent / i["file"]) for i in items if "lift" in i or "reps" in i]
    existing = [c for c in clips if Path(c).exists()]
    if not existing:
        raise BatchError(f"LABELS: expected clips beside {labels}, found none of {len(clips)}")
    out = out or Path(tempfile.mkdtemp(prefix="formcheck-eval-"))
    render_summary(
        run_with_progress(existing, out, _options("auto", None, None, False), workers=workers)
    )
    return out / "analyses"
