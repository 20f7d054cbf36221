"""First/last-frame transitions: dense optical flow (OpenCV DIS) morph with a cross-dissolve.

Both images are warped toward each other along the flow and blended, so frame 0 is the first
image, the last frame is the last image, and in between things move rather than just fade.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2, f32
from pixforge.engines.preview.camera import smoothstep

Frame = NDArray[np.uint8]
Flow = NDArray[np.float32]
FLOW_MAX_SIDE_PX = 480


def dense_flow(source: Frame, target: Frame) -> Flow:
    """Per-pixel motion source -> target (H x W x 2), computed at a reduced size for speed."""
    height, width = source.shape[:2]
    scale = min(1.0, FLOW_MAX_SIDE_PX / max(height, width))
    size = (max(16, round(width * scale)), max(16, round(height * scale)))
    small_a = cv2.cvtColor(
        cv2.resize(source, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
    )
    small_b = cv2.cvtColor(
        cv2.resize(target, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
    )
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = dis.calc(small_a, small_b, None)
    full = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    full[..., 0] *= width / size[0]
    full[..., 1] *= height / size[1]
    return f32(full.astype(np.float32))


def transition_frames(first: Frame, last: Frame, frame_count: int) -> Iterator[Frame]:
    height, width = first.shape[:2]
    forward = dense_flow(first, last)
    backward = dense_flow(last, first)
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    total = max(1, frame_count - 1)
    for index in range(frame_count):
        t = smoothstep(index / total)
        if index == 0:
            yield first
            continue
        if index == total:
            yield last
            continue
        # Backward warping: a pixel at x in frame t came from x - t*F in the first image and
        # from x - (1 - t)*B in the last one (the flow fields approximate their own inverses).
        from_first = cv2.remap(
            first,
            xs - t * forward[..., 0],
            ys - t * forward[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        from_last = cv2.remap(
            last,
            xs - (1.0 - t) * backward[..., 0],
            ys - (1.0 - t) * backward[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        yield cv2.addWeighted(from_first, 1.0 - t, from_last, t, 0.0)
