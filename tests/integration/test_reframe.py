"""Reframing a video source: the crop follows a real face, whole head kept; no face: letterbox.

No recording in ../shared/data shows a face (the auto-editor talk is a green card), so the face
case is a real photograph (scikit-image's NASA astronaut portrait, public domain) gliding
across a 16:9 frame: a centre crop would lose the face at the start and end of the clip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from podclip.tasks.ffmpeg import probe
from podclip.tasks.reframe import FaceTrack, detect_faces, plan_crop, track_faces
from tests.support.frames import frame_at
from tests.support.media import moving_face_video, plain_video, spoken_words, stored

# About the render itself: at the product's default frame rate (tests/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("default_frame_rate")]
SECONDS = 8.0
START, END = 1.0, 7.0


@pytest.fixture(scope="module")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = pytest.importorskip("skimage.data")
    folder = tmp_path_factory.mktemp("reframe")
    return moving_face_video(folder / "face.mp4", data.astronaut(), SECONDS)


def _gray(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb @ np.array([0.299, 0.587, 0.114]), dtype=np.uint8)


def _render(source: Path, preset: str) -> Path:
    from podclip.core.settings import get_settings
    from podclip.tasks.render import render_clip, render_options

    media, audio = stored(source)
    look = render_options(get_settings().render, {"caption_style": "clean-white"})
    clip = render_clip(media, audio, START, END, spoken_words(START, END), preset, look)
    return Path(clip.path)


def test_face_track_follows_the_photo(face_video: Path) -> None:
    track = track_faces(face_video, START, END - START, sample_fps=3.0)
    assert track.found >= 0.9 * len(track.boxes) >= 15
    xs = [b[0] for b in track.boxes if b is not None]
    assert xs[-1] - xs[0] > 300  # the face moved right by ~490 px over the span
    plan = plan_crop(track, 1080, 1920)
    assert plan is not None and plan.width == 404 and plan.height == 720
    assert FaceTrack.from_json(track.to_json()) == track


def test_vertical_crop_keeps_the_whole_head(prefect_results: Path, face_video: Path) -> None:
    path = _render(face_video, "vertical")
    info = probe(path)
    assert (info.width, info.height) == (1080, 1920) and info.has_audio
    assert abs(info.duration_seconds - (END - START)) <= 0.3
    for at in (0.2, 3.0, 5.8):
        faces = detect_faces(_gray(frame_at(path, at))[::2, ::2].copy())
        assert faces, f"no face in the output frame at {at} s"
        x, y, w, h = (2 * v for v in max(faces, key=lambda f: f[2] * f[3]))
        # The head (face box grown 40 % upwards, 15 % sideways) lies inside the frame.
        assert x - 0.15 * w >= 0 and x + 1.15 * w <= 1080, (at, x, w)
        assert y - 0.4 * h >= 0 and y + h <= 1920, (at, y, h)


def test_same_aspect_is_only_scaled(prefect_results: Path, face_video: Path) -> None:
    path = _render(face_video, "landscape")
    assert (probe(path).width, probe(path).height) == (1920, 1080)
    faces = detect_faces(_gray(frame_at(path, 3.0))[::2, ::2].copy())
    # At 4 s into the source the photo's left edge is at 40 + 688 * 4 / 8 = 384 px (of 1280).
    assert any(abs(2 * f[0] - (384 + 177) * 1.5) < 60 for f in faces), faces


def test_no_face_letterboxes_over_a_blurred_copy(prefect_results: Path, tmp_path: Path) -> None:
    video = plain_video(tmp_path / "pattern.mp4", SECONDS, pattern=True)
    path = _render(video, "vertical")
    rgb = frame_at(path, 3.0).astype(int)
    assert rgb.shape == (1920, 1080, 3)

    # The 16:9 picture fits the width: 1080 x 608 in the middle, bars above and below.
    def sharpness(rows: np.ndarray) -> float:
        return float(np.abs(np.diff(rows, axis=1)).mean())

    picture = rgb[700:1220]
    top_bar = rgb[40:600]
    assert sharpness(picture) > 4 * sharpness(top_bar), (sharpness(picture), sharpness(top_bar))
    assert top_bar.std() > 5  # a blurred copy of the clip, not a flat fill
