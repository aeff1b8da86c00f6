"""Making user- and file-supplied text safe to print through Rich.

Names from an imported CSV, file names, answers and values quoted in error messages reach
the terminal. Printed raw, Rich reads ``[link=...]`` in them as markup and the terminal obeys
escape sequences in them (``ESC ] 0 ; title BEL`` renames the window, others move the cursor
or rewrite what is already on screen). :func:`safe_text` is the one place that neutralises
both; every front end uses it for text it did not write itself.

:class:`LazyConsole` is a Rich console made on first use: a command that ends before it
prints (a replayed ``formcheck analyze``) does not pay for importing Rich.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides and
# isolates (they reorder what is shown: "Trojan source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object) -> str:
    r"""Return ``str(value)`` with control characters shown as ``\xNN`` and markup escaped.

    The result prints through ``Console.print`` (or as a Rich table cell) as exactly the
    characters of ``value``: ``[bold]`` stays literal text and ``ESC`` shows as ``\x1b``.

    Notes
    -----
    Tab and newline are kept (they only move to the next column or line). Backslashes that
    precede a bracket are escaped by :func:`rich.markup.escape`.
    """
    from rich.markup import escape

    return escape(_CONTROL.sub(_visible, str(value)))


class LazyConsole:
    """A :class:`rich.console.Console` built with ``options`` the first time it is used."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def get(self) -> Console:
        """Return the console itself (for Rich objects that take one, e.g. a progress bar)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)
