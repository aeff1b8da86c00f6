"""Showing a triage result in the terminal with rich: verdict panel, causes, changes."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from formcheck.triage.models import TriageResult

SHOWN_CAUSES = 5  # the JSON keeps every applicable cause; the terminal shows the top ones

_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold red",
    "see_professional": "bold yellow",
    "rest_and_modify": "bold cyan",
    "keep_training": "bold green",
}


def render_result(result: TriageResult, console: Console) -> None:
    """Print ``result``: verdict panel, reasons, causes (for / against), changes, disclaimer."""
    console.print(_verdict_panel(result))
    if result.reasons:
        console.print(Text("Why", style="bold"))
        for reason in result.reasons:
            console.print(f" - {reason}", highlight=False)
    if result.causes:
        console.print(_causes_table(result))
    if result.changes:
        console.print(_changes_table(result))
    console.print(Text("When to re-check", style="bold"))
    console.print(f" {result.recheck}", highlight=False)
    console.print(Text("Evidence used", style="bold"))
    for line in result.evidence:
        console.print(f" - {line}", highlight=False)
    if result.red_flags_not_answered:
        console.print(
            f"[dim]Red flags not answered: "
            f"{', '.join(result.red_flags_not_answered)}[/]",
            highlight=False,
        )
    console.print(Text(result.disclaimer, style="italic"))


def _verdict_panel(result: TriageResult) -> Panel:
    lines: list[Text] = [Text(result.headline)]
    if result.where_to_go:
        lines.append(Text(f"Where to go: {result.where_to_go}", style="bold"))
    lines.append(Text("What to do now:", style="bold"))
    lines += [Text(f" - {item}") for item in result.do_now]
    return Panel(
        Group(*lines),
        title=Text(f"VERDICT: {result.verdict}", style=_STYLE[result.verdict]),
        subtitle=result.verdict_title,
        border_style=_STYLE[result.verdict].replace("on red", "").strip() or "red",
    )


def _causes_table(result: TriageResult) -> Table:
    table = Table(title="Likely causes (most likely first)", show_lines=True, expand=True)
    table.add_column("Cause", ratio=2)
    table.add_column("Score", justify="right")
    table.add_column("For", ratio=3)
    table.add_column("Against", ratio=3)
    for cause in result.causes[:SHOWN_CAUSES]:
        table.add_row(
            cause.title,
            f"{cause.score:g}",
            "\n".join(cause.supports) or "-",
            "\n".join(cause.against) or "-",
        )
    return table


def _changes_table(result: TriageResult) -> Table:
    table = Table(title="What to change in training", show_lines=True, expand=True)
    table.add_column("Change", ratio=2)
    table.add_column("How", ratio=4)
    table.add_column("Cue", ratio=2)
    table.add_column("Why", ratio=3)
    for change in result.changes:
        table.add_row(change.title, change.action, change.cue, change.why)
    return table
