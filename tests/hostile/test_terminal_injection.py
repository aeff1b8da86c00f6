"""Issue 15 item 1: names and values from files are shown as text, never as markup or codes."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from formcheck.terminal import safe_text

from .conftest import run_cli, strong_csv, strong_row

LINK = "[link=http://evil.example]x[/link]"
TITLE = "\x1b]0;TITLE\x07"  # renames the terminal window
CLEAR = "\x1b[2J\x1b[H"  # clears the screen


def _shown(text: str) -> str:
    console = Console(width=200, force_terminal=False, record=True)
    console.print(safe_text(text))
    return console.export_text()


def test_markup_prints_literally() -> None:
    assert _shown(LINK).strip() == LINK
    assert _shown("[bold red]x[/] \\[y]").strip() == "[bold red]x[/] \\[y]"


def test_control_characters_are_shown_as_escapes() -> None:
    shown = _shown(TITLE + CLEAR + "\u202eevil\r\x00\x9b")
    assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown
    assert "\\x1b]0;TITLE\\x07" in shown
    assert "\\u202e" in shown and "\\x00" in shown and "\\x9b" in shown


def test_tab_and_newline_are_kept() -> None:
    assert safe_text("a\tb\nc") == "a\tb\nc"


def test_log_show_and_import_do_not_obey_names(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    name = "[i]Sq\x1b]0;T\x07"  # short: log show is a table that wraps long cells
    file_name = "[red]strong\x1b[2J.csv"  # a file name cannot hold "/"
    csv_path = strong_csv(tmp_path / file_name, [strong_row(exercise=name, title="[red]Day")])
    imported = run_cli("log", "--db", db, "import", str(csv_path), "--tz", "UTC")
    assert imported.code == 0
    assert "[red]strong\\x1b[2J.csv" in imported.text  # the file name, shown as text
    shown = run_cli("log", "--db", db, "show")
    assert shown.code == 0
    assert "\x1b" not in shown.text and "\x07" not in shown.text
    assert "[i]Sq" in shown.flat and "\\x1b]0" in shown.flat and "[red]Day" in shown.flat


def test_log_add_echoes_the_name_as_text(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    out = run_cli("log", "--db", db, "add", f"{LINK}{TITLE}", "100kg", "5x5", "--tz", "UTC")
    assert out.code == 0 and LINK in out.flat and "\x1b" not in out.text


def test_error_messages_quote_values_as_text(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    out = run_cli("log", "--db", db, "pain", f"{LINK}{TITLE}", "--after", "3")
    assert out.code == 2 and "EntryParseError" in out.text
    assert LINK in out.flat and "\x1b" not in out.text and "\x07" not in out.text


def test_video_file_name_in_error_is_text(tmp_path: Path) -> None:
    bad = tmp_path / f"[red]clip{TITLE}.mp4"
    bad.write_text("not a video")
    out = run_cli("analyze", str(bad))
    assert out.code == 2 and "NotAVideoError" in out.text
    assert "[red]clip\\x1b]0;TITLE\\x07.mp4" in out.flat and "\x1b" not in out.text


def test_triage_errors_show_answers_as_text(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text('{"regions": ["' + LINK + '\\u001b]0;T\\u0007"]}')
    out = run_cli("triage", "--answers", str(answers))
    assert out.code == 2 and "TriageInputError" in out.text
    assert "\x1b" not in out.text and LINK in out.flat
