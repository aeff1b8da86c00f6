"""The pose solution loads without the rest of mediapipe, and the rest still works after it."""

import subprocess
import sys

import pytest

PROBE = """
import sys
from formcheck.capture.blazepose import pose_solution
solution = pose_solution()
print(sorted(m for m in ("matplotlib", "mediapipe.python.solutions.hands",
                         "mediapipe.tasks.python") if m in sys.modules))
import numpy as np
with solution.Pose(model_complexity=1) as model:
    print(model.process(np.zeros((240, 320, 3), np.uint8)).pose_landmarks)
import mediapipe as mp
print(mp.__version__, mp.ImageFormat.SRGB.name, mp.solutions.pose is solution)
print(mp.solutions.drawing_utils.draw_landmarks.__name__, "matplotlib" in sys.modules)
print(mp.tasks.vision.PoseLandmarker.__name__)
"""


@pytest.fixture(scope="module")
def probe_lines() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.splitlines()


def test_pose_solution_skips_matplotlib_and_the_other_solutions(probe_lines):
    assert probe_lines[0] == "[]"


def test_the_loaded_model_runs(probe_lines):
    assert probe_lines[1] == "None"  # an empty frame has no person, but the graph ran


def test_the_rest_of_mediapipe_loads_on_first_use(probe_lines):
    assert probe_lines[2] == "0.10.21 SRGB True"
    assert probe_lines[3] == "draw_landmarks True"
    assert probe_lines[4] == "PoseLandmarker"


def test_a_missing_attribute_is_an_attribute_error():
    code = (
        "from formcheck.capture.blazepose import pose_solution; pose_solution()\n"
        "import mediapipe\n"
        "try:\n    mediapipe.no_such_thing\nexcept AttributeError as e:\n    print('AE', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("AE"), out.stderr
