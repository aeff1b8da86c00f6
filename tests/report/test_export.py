from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import ConfigError
from formcheck.report import write_outputs
from formcheck.report.export import angle_columns, check_exports, write_trc
from formcheck.track import LANDMARKS

from .conftest import SAMPLE, shared_file
from .formats import read_mot, read_trc


def test_mot_round_trips_the_angle_series(sample_case, sample_outputs):
    analysis, _ = sample_case
    mot = read_mot(sample_outputs["mot"])
    assert mot.header["inDegrees"] == "yes"
    assert mot.columns == ["time", *angle_columns(analysis)]
    assert {"knee_deg", "hip_deg", "trunk_lean_deg"} <= set(mot.columns)
    np.testing.assert_allclose(mot.data[:, 0], analysis.times_s, atol=1e-6)
    for j, key in enumerate(mot.columns[1:], start=1):
        np.testing.assert_allclose(mot.data[:, j], analysis.series[key], atol=1e-5,
                                   equal_nan=True)


def test_mot_reader_reads_a_published_opensim_file():
    # The reader is checked against a file OpenCap wrote, so a round trip cannot hide a
    # writer and reader that agree on a wrong format.
    mot = read_mot(shared_file(Path("keypoints/opencap_squats_mot/squats1_videoAndMocap.mot")))
    assert mot.data.shape == (801, 36)
    assert mot.columns[:2] == ["time", "pelvis_tilt"]
    assert mot.data[1, 0] == pytest.approx(0.01)


def test_trc_round_trips_pixel_and_world_landmarks(sample_case, sample_outputs):
    _, track = sample_case
    px = read_trc(sample_outputs["trc_px"])
    assert px.markers == list(LANDMARKS)
    assert px.header["Units"] == "px"
    assert float(px.header["DataRate"]) == pytest.approx(track.fps, rel=1e-6)
    np.testing.assert_array_equal(px.frame_numbers, np.arange(1, track.n_frames + 1))
    np.testing.assert_allclose(px.times, track.times_s, atol=1e-6)
    np.testing.assert_allclose(px.points[..., 0], track.image_xy[..., 0], atol=1e-4)
    np.testing.assert_allclose(px.points[..., 1], track.height - track.image_xy[..., 1],
                               atol=1e-4)  # y up, as Sports2D writes pixels
    assert np.all(px.points[..., 2] == 0)
    world = read_trc(sample_outputs["trc_world"])
    assert world.header["Units"] == "m"
    np.testing.assert_allclose(world.points[..., 1], -track.world_xyz[..., 1], atol=1e-5)


def test_trc_keeps_missing_landmarks_missing(tmp_path):
    pts = np.arange(2 * 33 * 3, dtype=float).reshape(2, 33, 3)
    pts[1, 5, :] = np.nan  # one landmark not found in the second frame
    path = write_trc(pts, np.array([0.0, 0.04]), 25.0, "m", tmp_path / "gap.trc")
    back = read_trc(path)
    assert np.isnan(back.points[1, 5]).all()
    np.testing.assert_allclose(back.points[0], pts[0])


def test_csv_is_long_format_with_every_series_and_landmark(sample_case, sample_outputs):
    analysis, track = sample_case
    with sample_outputs["csv"].open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["time_s", "frame", "kind", "name", "component", "value", "unit"]
    series = [r for r in rows if r["kind"] == "series"]
    assert {r["name"] for r in series} == set(analysis.series)
    assert len(series) == len(analysis.series) * track.n_frames
    knee = next(r for r in series if r["name"] == "knee_deg" and r["frame"] == "300")
    assert float(knee["value"]) == pytest.approx(analysis.series["knee_deg"][300], abs=1e-5)
    marks = [r for r in rows if r["kind"] == "landmark"]
    assert len(marks) == track.n_frames * len(LANDMARKS) * 3


def test_unknown_export_kind_is_refused_before_any_work(sample_case, tmp_path):
    analysis, track = sample_case
    with pytest.raises(ConfigError, match=r"--export: expected .*mot, trc, csv.*'c3d'.*'xls'"):
        write_outputs(analysis, track, SAMPLE, tmp_path, exports=("mot", "c3d", "xls"))
    assert not (tmp_path / "annotated.mp4").exists()


def test_export_kinds_are_case_and_space_tolerant():
    assert check_exports([" MOT", "csv ", ""]) == ("mot", "csv")
