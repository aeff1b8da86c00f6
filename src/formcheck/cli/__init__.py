"""The ``formcheck`` command line: a thin layer that parses, calls the library and renders."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from formcheck import __version__
from formcheck.errors import FormcheckError
from formcheck.terminal import safe_text

err_console = Console(stderr=True)


class FormcheckGroup(click.Group):
    """A click group that turns :class:`FormcheckError` into a one-line message and exit code."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; report formcheck errors in one line, without a traceback."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Ctrl-C: one line, no traceback; writers remove their temporary files themselves.
            err_console.print("stopped (Ctrl-C) before finishing", highlight=False)
            sys.exit(130)
        except FormcheckError as exc:
            err_console.print(
                f"[bold red]error[/] ({type(exc).__name__}): {safe_text(exc)}", highlight=False
            )
            sys.exit(exc.exit_code)


@click.group(cls=FormcheckGroup)
@click.version_option(__version__, prog_name="formcheck")
def main() -> None:
    """Form analysis, soreness triage and a training log for squats and deadlifts."""


def _register_subcommands() -> None:
    # Each feature keeps its own CLI module; the group only collects them.
    from formcheck.batch.cli import batch, eval_cmd
    from formcheck.cli.analyze import analyze
    from formcheck.log.cli import log
    from formcheck.triage.cli import triage
    from formcheck.web.cli import serve

    main.add_command(analyze)
    main.add_command(batch)
    main.add_command(eval_cmd)
    main.add_command(log)
    main.add_command(triage)
    main.add_command(serve)


_register_subcommands()
