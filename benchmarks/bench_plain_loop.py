"""The baseline of issue 13: the plain loop a lifter would write, run as one whole process.

PyAV threaded decode, scale to 640 px, BlazePose full on every frame, one process, landmarks
written to an .npy file. ``bench_pipeline.py`` times this and ``formcheck analyze`` as whole
processes, alternating. Usage: ``python benchmarks/bench_plain_loop.py CLIP OUT.npy``.
"""

import sys

import av
import mediapipe as mp
import numpy as np

container = av.open(sys.argv[1])
stream = container.streams.video[0]
stream.thread_type = "AUTO"
scale = 640 / max(stream.codec_context.width, stream.codec_context.height)
size = round(stream.codec_context.width * scale), round(stream.codec_context.height * scale)
rows = []
with mp.solutions.pose.Pose(model_complexity=1) as pose:
    for frame in container.decode(stream):
        rgb = frame.to_ndarray(width=size[0], height=size[1], format="rgb24")
        result = pose.process(rgb)
        lm = result.pose_landmarks
        rows.append([(p.x, p.y, p.visibility) for p in lm.landmark] if lm else [[np.nan] * 3] * 33)
np.save(sys.argv[2], np.array(rows))
print(f"{len(rows)} frames")
