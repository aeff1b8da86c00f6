"""``formcheck triage --from-log``: the training log's signals become reasons in the triage."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from formcheck.cli import main
from formcheck.triage.from_log import pain_trend_word

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "triage"


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_load_jump_in_the_log_reaches_the_triage(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    today = dt.date.today()
    # The week before: one session at 100 kg; the last seven days: two at 140 kg. The weekly
    # load rises from 2500 to 7000 kg (+180%), far over the ~10% guidance.
    for days_ago, load in ((10, "100kg"), (3, "140kg"), (2, "140kg")):
        day = (today - dt.timedelta(days=days_ago)).isoformat()
        _invoke("log", "--db", db, "add", "--date", day, "squat", load, "5x5", "@8")
    out = tmp_path / "triage.json"
    text = _invoke(
        "triage", "--answers", str(EXAMPLES / "keep_training.yaml"), "--from-log", "--db", db,
        "--json", str(out),
    )  # fmt: skip
    assert "Training signals (log): weekly load +180%" in " ".join(text.split())
    result = json.loads(out.read_text())
    assert any("+180%" in line for line in result["evidence"])


def test_pain_trend_word_favours_a_rising_region() -> None:
    assert pain_trend_word({"lower_back": "rising", "neck": "falling"}) == "worse"
    assert pain_trend_word({"lower_back": "falling", "neck": "falling"}) == "better"
    assert pain_trend_word({"lower_back": "flat", "neck": "falling"}) == "same"
    assert pain_trend_word({"lower_back": "unknown"}) is None
