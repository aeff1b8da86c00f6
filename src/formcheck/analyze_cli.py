"""``formcheck analyze``: placeholder until the analysis pipeline lands."""

from __future__ import annotations

import click


@click.command()
@click.argument("video", type=click.Path(dir_okay=False))
def analyze(video: str) -> None:
    """Analyse a squat or deadlift video."""
    raise click.ClickException("analysis pipeline not written yet")
