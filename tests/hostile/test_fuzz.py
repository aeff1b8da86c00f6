"""Fuzz tests (hypothesis): no input gives a traceback or takes more than a few seconds.

Over the triage answers file, the CSV importers and CLI flags. Every example must end in a
result or a named :class:`FormcheckError`; ``deadline`` fails any example slower than 3 s.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.errors import FormcheckError
from formcheck.log.importers import parse_export
from formcheck.triage.cli import read_answers_file
from formcheck.triage.engine import triage
from formcheck.triage.models import TriageResult

from .conftest import STRONG_HEADER, run_cli

FUZZ = settings(
    max_examples=40,
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
WORK = Path(tempfile.mkdtemp(prefix="formcheck-fuzz-"))
FIELDS = [
    "regions", "quality", "onset", "side", "severity", "red_flags", "hours_since_onset",
    "onset_at", "faults_seen", "lift", "trend", "schema", "settled_after_hours", "not_settled",
]
REGIONS = ["lower_back_central", "hamstrings", "mid_back", "neck_left", "ribs"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(REGIONS), st.sampled_from(["during_lift", "next_day", "sharp", "dull"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=20,
)
answers = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)


def _triage_file(path: Path) -> None:
    try:
        result = triage(read_answers_file(path))
    except FormcheckError:
        return
    assert isinstance(result, TriageResult)


@FUZZ
@given(doc=answers)
def test_answers_as_json(doc: dict) -> None:
    path = WORK / "a.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    _triage_file(path)


@FUZZ
@given(doc=answers)
def test_answers_as_yaml(doc: dict) -> None:
    path = WORK / "a.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    _triage_file(path)


@FUZZ
@given(text=st.text(max_size=400) | st.sampled_from(["&a [*a]", "a: !!python/object:os.system x",
                                                      "- &x [1]\n- *x", "{", "---\n...\n"]))
def test_answers_as_arbitrary_text(text: str) -> None:
    for name in ("t.yaml", "t.json"):
        path = WORK / name
        path.write_text(text)
        _triage_file(path)


cells = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["inf", "-inf", "nan", "1e308", "-0", "0x10", "1,5", "9" * 400, "W", "D",
                     "=1+1", "2024-02-30 10:00:00", "0001-01-01", "9999-12-31 23:59:59", ""]),
    st.floats().map(str),
)
rows = st.lists(st.lists(cells, min_size=12, max_size=13), min_size=1, max_size=6)


def _csv_line(values: list[str]) -> str:
    return ",".join('"' + v.replace('"', '""') + '"' for v in values)


@FUZZ
@given(rows=rows, good_date=st.booleans())
def test_strong_rows(rows: list[list[str]], good_date: bool) -> None:
    if good_date:
        for r in rows:
            r[0] = "2024-03-30 09:05:12"
    path = WORK / "s.csv"
    path.write_text(STRONG_HEADER + "\n" + "\n".join(_csv_line(r) for r in rows) + "\n",
                    encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(FormcheckError):
        parse_export(path, tz="Europe/Berlin")


@FUZZ
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_as_an_export(data: bytes) -> None:
    path = WORK / "b.csv"
    path.write_bytes(STRONG_HEADER.encode() + b"\n" + data)
    with contextlib.suppress(FormcheckError):
        parse_export(path)


tokens = st.lists(
    st.one_of(st.text(min_size=1, max_size=12).filter(lambda t: not t.startswith("-")),
              st.sampled_from(["100kg", "1e308kg", "x5", "5x5", "@11", "rir-1", "bw", "0x0",
                               "999999999999kg", "[bold]", "squat"])),
    min_size=1, max_size=6,
)
DB = f"sqlite:///{WORK / 'fuzz.db'}"


@FUZZ
@given(entry=tokens, day=st.sampled_from(["", "2024-01-01", "0001-01-01", "9999-12-31"]))
def test_log_add_flags(entry: list[str], day: str) -> None:
    args = ["log", "--db", DB, "add", *entry, "--tz", "UTC"] + (["--date", day] if day else [])
    assert run_cli(*args).code in (0, 2)


@FUZZ
@given(
    region=st.text(min_size=1, max_size=20).filter(lambda t: not t.startswith("-")),
    score=st.integers(-10**6, 10**6),
    tz=st.sampled_from(["UTC", "Mars/Olympus", "", "Europe/Berlin"]),
)
def test_log_pain_flags(region: str, score: int, tz: str) -> None:
    out = run_cli("log", "--db", DB, "pain", region, "--after", str(score), "--tz", tz)
    assert out.code in (0, 2)


@FUZZ
@given(
    lift=st.text(max_size=10),
    exports=st.text(max_size=20),
    out=st.sampled_from(["", "/proc/x", "/dev/null/x", str(WORK / "o")]),
)
def test_analyze_flags_on_a_text_file(lift: str, exports: str, out: str) -> None:
    # --set, --threshold and --height-cm belong to the flag validation of issue 15 item 7.
    video = WORK / "not-a-video.mp4"
    video.write_text("hello")
    args = ["analyze", str(video), "--lift", lift, "--export", exports]
    if out:
        args += ["--out", out]
    assert run_cli(*args).code == 2


@FUZZ
@given(rows=rows)
def test_strong_rows_through_the_cli_import_and_show(rows: list[list[str]]) -> None:
    for r in rows:
        r[0] = "2024-03-30 09:05:12"
    path = WORK / "cli.csv"
    path.write_text(STRONG_HEADER + "\n" + "\n".join(_csv_line(r) for r in rows) + "\n",
                    encoding="utf-8", errors="surrogatepass")
    assert run_cli("log", "--db", DB, "import", str(path), "--tz", "UTC").code in (0, 2)
    assert run_cli("log", "--db", DB, "show").code == 0
    assert run_cli("log", "--db", DB, "export", "--format", "json").code == 0
