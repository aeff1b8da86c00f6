"""The package layout's rules: no private cross-module imports, every CLI option has help."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from formcheck.cli import main

SRC = Path(__file__).resolve().parents[1] / "src" / "formcheck"


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("formcheck"):
            out += [
                f"{path.relative_to(SRC)}: {node.module}.{a.name}"
                for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")
            ]
    return out


def test_no_module_imports_another_modules_private_names() -> None:
    found = [hit for p in sorted(SRC.rglob("*.py")) for hit in _private_imports(p)]
    assert found == [], "private names imported across modules:\n" + "\n".join(found)


def test_the_private_import_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from formcheck.analysis.reps import _troughs\n")
    # relative_to(SRC) needs a file under SRC: check the parser on the text alone
    tree = ast.parse(bad.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names]
    assert names == ["_troughs"]


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # not group.commands: subcommands load lazily
        cmd = group.get_command(ctx, name)
        assert cmd is not None, f"formcheck {prefix}{name} is listed but does not load"
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix}{name} ")
    return out


@pytest.mark.parametrize("name,cmd", _commands(main), ids=lambda x: x if isinstance(x, str) else "")
def test_every_cli_command_and_option_has_help(name: str, cmd: click.Command) -> None:
    assert cmd.help or cmd.short_help, f"formcheck {name} has no help text"
    missing = [
        p.opts[0]
        for p in cmd.params
        if isinstance(p, click.Option) and not p.help and p.opts[0] != "--help"
    ]
    assert missing == [], f"formcheck {name}: options without help: {missing}"


def test_public_api_is_importable_from_the_top() -> None:
    import formcheck

    for name in formcheck.__all__:
        assert getattr(formcheck, name) is not None
    from formcheck import AnalysisOptions, analyze_video

    assert AnalysisOptions().lift == "auto"
    assert callable(analyze_video)
