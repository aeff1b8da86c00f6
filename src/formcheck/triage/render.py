"""Showing a triage result in the terminal with rich: verdict panel, causes, changes."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from formcheck.terminal import safe_text
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
            console.print(f" - {safe_text(reason)}", highlight=False)
    if result.causes:
        console.print(_causes_table(result))
    if result.changes:
        console.print(_changes_table(result))
    console.print(Text("When to re-check", style="bold"))
    console.print(f" {safe_text(result.recheck)}", highlight=False)
    console.print(Text("Evidence used", style="bold"))
    for line in result.evidence:
        console.print(f" - {safe_text(line)}", highlight=False)
    if result.red_flags_not_answered:
        console.print(
            f"[dim]Red flags not answered: "
            f"{safe_text(', '.join(result.red_flags_not_answered))}[/]",
            highlight=False,
        )
    console.print(Text.from_markup(safe_text(result.disclaimer), style="italic"))


def _verdict_panel(result: TriageResult) -> Panel:
    lines: list[Text] = [Text.from_markup(safe_text(result.headline))]
    if result.where_to_go:
        where = safe_text(result.where_to_go)
        lines.append(Text.from_markup(f"Where to go: {where}", style="bold"))
    lines.append(Text("What to do now:", style="bold"))
    lines += [Text.from_markup(f" - {safe_text(item)}") for item in result.do_now]
    return Panel(
        Group(*lines),
        title=Text(f"VERDICT: {result.verdict}", style=_STYLE[result.verdict]),
        subtitle=safe_text(result.verdict_title),
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
            safe_text(cause.title),
            f"{cause.score:g}",
            safe_text("\n".join(cause.supports) or "-"),
            safe_text("\n".join(cause.against) or "-"),
        )
    return table


def _changes_table(result: TriageResult) -> Table:
    table = Table(title="What to change in training", show_lines=True, expand=True)
    table.add_column("Change", ratio=2)
    table.add_column("How", ratio=4)
    table.add_column("Cue", ratio=2)
    table.add_column("Why", ratio=3)
    for change in result.changes:
        cells = (change.title, change.action, change.cue, change.why)
        table.add_row(*(safe_text(v) for v in cells))
    return table
