"""The ``formcheck`` command line: a thin layer that parses, calls the library and renders."""

from __future__ import annotations

import importlib
import sys

import click

from formcheck import __version__
from formcheck.errors import FormcheckError
from formcheck.terminal import LazyConsole, safe_text

err_console = LazyConsole(stderr=True)


class FormcheckGroup(click.Group):
    """A click group that turns :class:`FormcheckError` into a one-line message and exit code.

    Subcommands are imported on first use (see ``_SUBCOMMANDS``).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return every subcommand's name, without importing any of them."""
        return sorted({*self.commands, *_SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the subcommand ``cmd_name``, importing its module the first time."""
        if cmd_name not in self.commands and cmd_name in _SUBCOMMANDS:
            module, attr = _SUBCOMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return self.commands.get(cmd_name)

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


# Each feature keeps its own CLI module; the group imports only the one a command line names
# (``formcheck analyze`` never loads the triage, log, batch or web modules).
_SUBCOMMANDS = {
    "analyze": "formcheck.cli.analyze:analyze",
    "batch": "formcheck.batch.cli:batch",
    "eval": "formcheck.batch.cli:eval_cmd",
    "log": "formcheck.log.cli:log",
    "serve": "formcheck.web.cli:serve",
    "triage": "formcheck.triage.cli:triage",
}
