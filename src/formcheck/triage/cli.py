"""``formcheck triage``: reads answers (or asks them), calls the engine, renders the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml
from rich.console import Console

from formcheck.paths import check_output_path
from formcheck.terminal import safe_text
from formcheck.triage.engine import triage as run_triage
from formcheck.triage.errors import TriageInputError
from formcheck.triage.evidence import load_analysis
from formcheck.triage.from_log import context_from_log
from formcheck.triage.interactive import QuitSession, run_session
from formcheck.triage.knowledge import default_knowledge
from formcheck.triage.models import TriageResult
from formcheck.triage.render import render_result
from formcheck.triage.validation import answers_schema

#: An answers file is a few kilobytes; anything far larger is not one (and would be slow).
MAX_ANSWERS_BYTES = 256 * 1024


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses anchors and aliases.

    Answers never need them, and a few hundred bytes of nested aliases expand to gigabytes
    (the "billion laughs" bomb), which the safe loader builds without complaint.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Return the next node; raise on an alias instead of expanding it."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"found alias *{event.anchor}: aliases are not allowed here",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def read_answers_file(path: Path) -> Any:
    """Return the parsed content of an answers file (JSON, or YAML for .yaml/.yml).

    Raises
    ------
    TriageInputError
        When the file is missing, larger than :data:`MAX_ANSWERS_BYTES`, not UTF-8, uses
        YAML aliases, nests too deeply, or does not parse.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_ANSWERS_BYTES + 1)  # read no more than the limit, even a pipe
    except OSError as exc:
        problem = ("--answers", f"expected a readable file; received {exc.strerror}: {path}")
        raise TriageInputError([problem]) from exc
    if len(data) > MAX_ANSWERS_BYTES:
        raise TriageInputError([(
            "--answers",
            f"expected an answers file of at most {MAX_ANSWERS_BYTES // 1024} KiB; received "
            f"a larger one: {path.name}",
        )])
    try:
        text = data.decode("utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.load(text, Loader=_NoAliasLoader)
        return json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TriageInputError(
            [("--answers", f"expected JSON or YAML (by file suffix); {path.name}: {exc}")]
        ) from exc
    except RecursionError as exc:
        raise TriageInputError(
            [("--answers", f"expected answers nested a few levels deep; {path.name} nests "
                           "deeper than the parser can follow")]
        ) from exc


@click.command()
@click.option("--answers", "answers_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Answers file (JSON or YAML); runs without asking questions.")
@click.option("--video-json", "video_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Analysis JSON of your latest video (from `formcheck analyze --json`).")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the result as JSON (formcheck.triage/2) to this path.")
@click.option("--schema", "print_schema", is_flag=True,
              help="Print the JSON Schema of the answers file and exit.")
@click.option("--from-log", is_flag=True,
              help="Use load jumps, recovery and pain trend from your training log.")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="Training-log database for --from-log (default: FORMCHECK_DB or the user file).")
def triage(answers_path: Path | None, video_path: Path | None, json_path: Path | None,
           print_schema: bool, from_log: bool, db_url: str | None) -> None:
    """Soreness triage: is it normal, what causes it, what to change (red flags first)."""
    kb = default_knowledge()
    console = Console()
    if print_schema:
        click.echo(json.dumps(answers_schema(kb), indent=2))
        return
    if json_path is not None:
        check_output_path(json_path, "--json")
    analysis = load_analysis(video_path) if video_path is not None else None
    training = context_from_log(db_url) if from_log else None
    if answers_path is not None:
        result = run_triage(
            read_answers_file(answers_path), analysis=analysis, training=training, kb=kb
        )
    else:
        console.print("[bold]formcheck soreness triage[/] - red-flag questions first.")
        try:
            result = run_session(
                kb,
                ask=lambda prompt: console.input(safe_text(prompt)),
                say=lambda line: console.print(safe_text(line), highlight=False),
                finish=lambda raw: run_triage(raw, analysis=analysis, training=training, kb=kb),
            )
        except (QuitSession, EOFError, KeyboardInterrupt):
            console.print("Stopped; no verdict given.")
            raise SystemExit(1) from None
    render_result(result, console)
    if json_path is not None:
        _write_json(result, json_path)
        console.print(f"Result written to {safe_text(json_path)}", highlight=False)


def _write_json(result: TriageResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
