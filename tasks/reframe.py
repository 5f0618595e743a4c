"""Reframe a video clip for another aspect ratio: follow the active speaker's face, else letterbox.

Faces come from OpenCV's bundled Haar cascades (frontal, and profile both ways), run on frames
sampled a few times a second and downscaled. The active speaker is chosen per sample: a lone
face wins; among several, the one whose mouth region changed most since the previous sample
(lips move when talking), with a bonus for size and for staying on the face chosen before, so
the crop does not hop between people on noise. The crop centre is then smoothed (moving median,
then a dead zone so small head moves do not pan), and clamped so the whole head (face box grown
~40 % upwards and a little sideways) stays inside the crop. The result is a piecewise linear
crop position in ``t`` for ffmpeg's crop filter. With no face found in enough samples the clip
is letterboxed instead (scaled to fit over a blurred, zoomed copy of itself).
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from statistics import median
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

REFRAME_VERSION = "1"
SAMPLE_MAX_SIDE = 640
# A face must be seen in this share of samples (and at least twice) to be followed.
MIN_FACE_SHARE = 0.25
MEDIAN_WINDOW = 5
# The crop stays put until the target moves this share of the crop size away.
DEAD_ZONE = 0.08
HEAD_UP = 0.4
HEAD_SIDE = 0.15
MAX_KEYFRAMES = 120

Box = tuple[int, int, int, int]  # x, y, w, h in source pixels


@dataclass(frozen=True)
class FaceTrack:
    """The active speaker's face box per sample (None where no face), source pixels."""

    width: int
    height: int
    times: tuple[float, ...]
    boxes: tuple[Box | None, ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> FaceTrack:
        raw: dict[str, Any] = json.loads(text)
        boxes = tuple(tuple(b) if b is not None else None for b in raw["boxes"])
        return cls(int(raw["width"]), int(raw["height"]), tuple(raw["times"]), boxes)  # type: ignore[arg-type]

    @property
    def found(self) -> int:
        return sum(b is not None for b in self.boxes)


@dataclass(frozen=True)
class CropPlan:
    """A crop box of fixed size whose position moves piecewise linearly in clip time."""

    width: int
    height: int
    xs: tuple[tuple[float, int], ...]
    ys: tuple[tuple[float, int], ...]

    def filter(self) -> str:
        """ffmpeg ``crop`` filter text (quoted so the expressions' commas survive the graph)."""
        return (
            f"crop=w={self.width}:h={self.height}:"
            f"x='{_piecewise(self.xs)}':y='{_piecewise(self.ys)}'"
        )


# --- detection ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cascades() -> tuple[Any, Any]:
    import cv2

    root = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
    frontal = cv2.CascadeClassifier(str(root / "haarcascade_frontalface_default.xml"))
    profile = cv2.CascadeClassifier(str(root / "haarcascade_profileface.xml"))
    if frontal.empty() or profile.empty():
        raise RuntimeError(f"OpenCV Haar cascades missing under {root}")
    return frontal, profile


def detect_faces(gray: NDArray[np.uint8]) -> list[Box]:
    """Face boxes in one grey frame: frontal, plus profiles facing either way, de-duplicated."""
    import cv2

    frontal, profile = _cascades()
    h, w = gray.shape
    min_side = max(20, min(h, w) // 12)
    opts = {"scaleFactor": 1.1, "minNeighbors": 5, "minSize": (min_side, min_side)}
    found = [tuple(int(v) for v in b) for b in frontal.detectMultiScale(gray, **opts)]
    found += [tuple(int(v) for v in b) for b in profile.detectMultiScale(gray, **opts)]
    flipped = cv2.flip(gray, 1)
    for x, y, bw, bh in profile.detectMultiScale(flipped, **opts):
        found.append((int(w - x - bw), int(y), int(bw), int(bh)))
    boxes: list[Box] = []
    for box in sorted(found, key=lambda b: -b[2] * b[3]):  # type: ignore[index]
        if all(_iou(box, kept) < 0.3 for kept in boxes):  # type: ignore[arg-type]
            boxes.append(box)  # type: ignore[arg-type]
    return boxes


def track_faces(path: Path, start: float, duration: float, *, sample_fps: float) -> FaceTrack:
    """Sample ``start``..``start+duration`` of ``path`` and pick the active face per sample."""
    samples = list(_sample_frames(path, start, duration, sample_fps))
    if not samples:
        return FaceTrack(0, 0, (), ())
    width, height, scale = samples[0][2], samples[0][3], samples[0][4]
    times: list[float] = []
    chosen: list[Box | None] = []
    previous_gray: NDArray[np.uint8] | None = None
    previous_faces: list[Box] = []
    last: Box | None = None
    for t, gray, _w, _h, _s in samples:
        faces = detect_faces(gray)
        pick = _active_face(faces, gray, previous_faces, previous_gray, last)
        times.append(round(t, 3))
        chosen.append(None if pick is None else _scaled(pick, 1 / scale))
        last = pick or last
        previous_gray, previous_faces = gray, faces
    return FaceTrack(width, height, tuple(times), tuple(chosen))


def _sample_frames(
    path: Path, start: float, duration: float, fps: float
) -> list[tuple[float, NDArray[np.uint8], int, int, float]]:
    """(clip seconds, grey frame, source width, source height, scale) at ``fps``."""
    out: list[tuple[float, NDArray[np.uint8], int, int, float]] = []
    step = 1.0 / fps
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        scale = min(1.0, SAMPLE_MAX_SIDE / max(width, height))
        sw, sh = max(2, round(width * scale)), max(2, round(height * scale))
        if start > 0 and stream.time_base is not None:
            container.seek(int(max(0.0, start - 1.0) / stream.time_base), stream=stream)
        wanted = start
        for frame in container.decode(stream):
            if frame.time is None or frame.time < wanted:
                continue
            if frame.time >= start + duration:
                break
            small = frame.reformat(width=sw, height=sh, format="gray")
            gray = np.asarray(small.to_ndarray(), dtype=np.uint8)
            out.append((frame.time - start, gray, width, height, scale))
            while wanted <= frame.time:
                wanted += step
    return out


def _active_face(
    faces: list[Box],
    gray: NDArray[np.uint8],
    previous_faces: list[Box],
    previous_gray: NDArray[np.uint8] | None,
    last: Box | None,
) -> Box | None:
    """The face most likely speaking now (see the module docstring for the rule)."""
    if len(faces) <= 1:
        return faces[0] if faces else None
    biggest = max(f[2] * f[3] for f in faces)
    activity = [_mouth_change(f, gray, previous_faces, previous_gray) for f in faces]
    top = max(activity) or 1.0
    scores = []
    for face, act in zip(faces, activity, strict=True):
        score = act / top + 0.5 * face[2] * face[3] / biggest
        if last is not None and _near(face, last):
            score += 0.5
        scores.append(score)
    return faces[int(np.argmax(scores))]


def _mouth_change(
    face: Box,
    gray: NDArray[np.uint8],
    previous_faces: list[Box],
    previous_gray: NDArray[np.uint8] | None,
) -> float:
    """Mean absolute change of the mouth patch against the same face one sample earlier."""
    if previous_gray is None:
        return 0.0
    before = next((p for p in previous_faces if _near(face, p)), None)
    if before is None:
        return 0.0
    now_patch, old_patch = _mouth(gray, face), _mouth(previous_gray, before)
    if now_patch is None or old_patch is None:
        return 0.0
    return float(np.abs(now_patch - old_patch).mean())


def _mouth(gray: NDArray[np.uint8], face: Box) -> NDArray[np.float32] | None:
    import cv2

    x, y, w, h = face
    patch = gray[y + 2 * h // 3 : y + h, x + w // 5 : x + 4 * w // 5]
    if patch.size == 0:
        return None
    return np.asarray(cv2.resize(patch, (24, 12)), dtype=np.float32)


# --- crop path ------------------------------------------------------------------------------


def crop_size(src_w: int, src_h: int, out_w: int, out_h: int) -> tuple[int, int]:
    """The largest even box of the output's aspect inside the source frame."""
    aspect = out_w / out_h
    cw = min(src_w, round(src_h * aspect))
    ch = min(src_h, round(src_w / aspect))
    return cw - cw % 2, ch - ch % 2


def needs_crop(src_w: int, src_h: int, out_w: int, out_h: int) -> bool:
    """False when the source already has the output's aspect (within 1 %)."""
    return abs((src_w / src_h) / (out_w / out_h) - 1.0) > 0.01


def plan_crop(track: FaceTrack, out_w: int, out_h: int) -> CropPlan | None:
    """The crop that follows the track's face; None when too few samples saw a face."""
    if track.found < max(2, MIN_FACE_SHARE * len(track.boxes)):
        return None
    cw, ch = crop_size(track.width, track.height, out_w, out_h)
    boxes = _filled(track.boxes)
    xs = _axis(track.times, boxes, cw, track.width, horizontal=True)
    ys = _axis(track.times, boxes, ch, track.height, horizontal=False)
    return CropPlan(cw, ch, xs, ys)


def _filled(boxes: tuple[Box | None, ...]) -> list[Box]:
    """Samples without a face hold the nearest earlier face (or the first one seen)."""
    first = next(b for b in boxes if b is not None)
    out: list[Box] = []
    for box in boxes:
        out.append(box if box is not None else (out[-1] if out else first))
    return out


def _axis(
    times: tuple[float, ...], boxes: list[Box], size: int, limit: int, *, horizontal: bool
) -> tuple[tuple[float, int], ...]:
    """Keyframes (t, offset) for one axis of the crop box."""
    if size >= limit:
        return ((0.0, 0),)
    centres = [_centre(b, horizontal) for b in boxes]
    half = MEDIAN_WINDOW // 2
    smoothed = [median(centres[max(0, i - half) : i + half + 1]) for i in range(len(centres))]
    offsets: list[int] = []
    current = smoothed[0]
    for target, box in zip(smoothed, boxes, strict=True):
        if abs(target - current) > DEAD_ZONE * size:
            current = target
        lo, hi = _head_span(box, horizontal)
        offset = current - size / 2
        # The whole head inside: offset <= head start and offset + size >= head end.
        low_bound, high_bound = hi - size, lo
        if low_bound <= high_bound:
            offset = min(max(offset, low_bound), high_bound)
        else:
            offset = (lo + hi) / 2 - size / 2
        offsets.append(round(min(max(offset, 0), limit - size)))
    return _keyframes(times, offsets)


def _centre(box: Box, horizontal: bool) -> float:
    x, y, w, h = box
    # Vertically aim a little above the face centre, so the crop keeps the head and shoulders.
    return x + w / 2 if horizontal else y + h / 2 - HEAD_UP * h / 2


def _head_span(box: Box, horizontal: bool) -> tuple[float, float]:
    x, y, w, h = box
    if horizontal:
        return x - HEAD_SIDE * w, x + w + HEAD_SIDE * w
    return y - HEAD_UP * h, y + h * 1.1


def _keyframes(times: tuple[float, ...], offsets: list[int]) -> tuple[tuple[float, int], ...]:
    """Drop points in the middle of constant runs; thin out to MAX_KEYFRAMES."""
    points = list(zip(times, offsets, strict=True))
    kept = [
        p
        for i, p in enumerate(points)
        if i in (0, len(points) - 1) or not (points[i - 1][1] == p[1] == points[i + 1][1])
    ]
    if len(kept) > MAX_KEYFRAMES:
        step = len(kept) / MAX_KEYFRAMES
        kept = [kept[int(i * step)] for i in range(MAX_KEYFRAMES - 1)] + [kept[-1]]
    return tuple(kept)


def _piecewise(points: tuple[tuple[float, int], ...]) -> str:
    """A linear interpolation of ``points`` in ``t`` as an ffmpeg expression."""
    expr = str(points[-1][1])
    for (t0, v0), (t1, v1) in reversed(list(itertools.pairwise(points))):
        if v0 == v1 or t1 <= t0:
            segment = str(v0)
        else:
            segment = f"{v0}+({v1 - v0})*(t-{t0:.3f})/{t1 - t0:.3f}"
        expr = f"if(lt(t,{t1:.3f}),{segment},{expr})"
    if len(points) > 1 and points[0][0] > 0:
        expr = f"if(lt(t,{points[0][0]:.3f}),{points[0][1]},{expr})"
    return expr


def letterbox_filter(out_w: int, out_h: int, background: str) -> str:
    """Fit the frame inside ``out_w`` x ``out_h`` over a blurred zoom of itself (or a colour)."""
    fit = f"scale={out_w}:{out_h}:force_original_aspect_ratio=decrease,setsar=1"
    if background != "blur":
        return f"{fit},pad={out_w}:{out_h}:(ow-iw)/2:(oh-ih)/2:color={background}"
    sw, sh = max(2, out_w // 8 // 2 * 2), max(2, out_h // 8 // 2 * 2)
    return (
        f"split=2[lb_bg][lb_fg];"
        f"[lb_bg]scale={sw}:{sh}:force_original_aspect_ratio=increase,crop={sw}:{sh},"
        f"boxblur=6:2,eq=brightness=-0.12,scale={out_w}:{out_h},setsar=1[lb_back];"
        f"[lb_fg]{fit}[lb_front];[lb_back][lb_front]overlay=(W-w)/2:(H-h)/2"
    )


def _scaled(box: Box, factor: float) -> Box:
    return (
        round(box[0] * factor),
        round(box[1] * factor),
        round(box[2] * factor),
        round(box[3] * factor),
    )


def _near(a: Box, b: Box) -> bool:
    ax, ay = a[0] + a[2] / 2, a[1] + a[3] / 2
    bx, by = b[0] + b[2] / 2, b[1] + b[3] / 2
    return abs(ax - bx) < max(a[2], b[2]) * 0.6 and abs(ay - by) < max(a[3], b[3]) * 0.6


def _iou(a: Box, b: Box) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0
