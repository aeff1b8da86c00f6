"""The ``formcheck`` command line: a thin layer that parses, calls the library and renders."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from formcheck import __version__
from formcheck.errors import FormcheckError

err_console = Console(stderr=True)


class FormcheckGroup(click.Group):
    """A click group that turns :class:`FormcheckError` into a one-line message and exit code."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; report formcheck errors in one line, without a traceback."""
        try:
            return super().invoke(ctx)
        except FormcheckError as exc:
            err_console.print(f"[bold red]error[/] ({type(exc).__name__}): {exc}", highlight=False)
            sys.exit(exc.exit_code)


@click.group(cls=FormcheckGroup)
@click.version_option(__version__, prog_name="formcheck")
def main() -> None:
    """Form analysis, soreness triage and a training log for squats and deadlifts."""


def _register_subcommands() -> None:
    # Each feature keeps its own CLI module; the group only collects them.
    from formcheck.cli.analyze import analyze
    from formcheck.log.cli import log
    from formcheck.triage.cli import triage
    from formcheck.web.cli import serve

    main.add_command(analyze)
    main.add_command(log)
    main.add_command(triage)
    main.add_command(serve)


_register_subcommands()
