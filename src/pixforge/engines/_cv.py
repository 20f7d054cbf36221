"""OpenCV, typed loosely on purpose, plus the converter that types its results again.

OpenCV's bundled stubs type every array as a union of dtypes that no uint8 pipeline satisfies;
modules here call `cv2` through this alias and pass results through `u8()` / `f32()`.
"""

from __future__ import annotations

from typing import Any

import cv2 as _cv2
import numpy as np
from numpy.typing import NDArray

cv2: Any = _cv2


def u8(array: object) -> NDArray[np.uint8]:
    return np.asarray(array, dtype=np.uint8)


def f32(array: object) -> NDArray[np.float32]:
    return np.asarray(array, dtype=np.float32)
