"""Which model transcribes, and in which language: a second real CTranslate2 model changes the
transcript and re-runs the stage; missing models and non-English audio fail with clear codes.

There is no non-English recording in ../shared/data, so the Spanish audio is spoken by
espeak-ng here (``es`` voice).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prefect import flow

from podclip.core.errors import ModelUnavailable, UnsupportedLanguage
from podclip.core.records import AudioTrack
from podclip.core.settings import TranscribeSettings, get_settings
from podclip.tasks.audio import audio_options, extract_audio
from podclip.tasks.fetch import download_media
from podclip.tasks.transcribe import transcribe_audio, transcription_options
from podclip.tasks.whisper_models import (
    bundled_model_dir,
    model_sha256,
    resolve_device,
    resolve_model,
)
from tests.support.whisper_variant import perturbed_copy

pytestmark = pytest.mark.slow
SPANISH = (
    "Buenos días a todos. Hoy hablamos con una invitada muy especial sobre la economía de los "
    "pequeños negocios en América Latina y cómo la tecnología cambia la forma en que trabajamos."
)


def _audio(path: Path) -> AudioTrack:
    return extract_audio.fn(download_media.fn(str(path)), audio_options(get_settings().fetch))


def _run(audio: AudioTrack, settings: TranscribeSettings) -> Any:
    @flow(name="transcribe-probe")
    def probe() -> Any:
        return transcribe_audio(audio, transcription_options(settings, {}), return_state=True)

    return probe()


def test_another_model_directory_changes_the_transcript_and_reruns(
    prefect_results: Path, shared_data: Path, tmp_path: Path
) -> None:
    audio = _audio(shared_data / "picovoice" / "falcon_test.wav")
    variant = perturbed_copy(bundled_model_dir(), tmp_path / "tiny-variant", noise=0.3)
    bundled = _run(audio, TranscribeSettings())
    assert bundled.name == "Completed"
    assert _run(audio, TranscribeSettings()).name == "Cached"

    other = _run(audio, TranscribeSettings(model=str(variant)))
    assert other.name == "Completed", "another model must never come back from the cache"
    a, b = bundled.result(), other.result()
    assert a.model_sha256 == model_sha256(bundled_model_dir()) != b.model_sha256
    assert b.model_id == "tiny-variant" and b.model_label.startswith("tiny-variant@")
    assert [w.text for w in a.words] != [w.text for w in b.words]
    assert _run(audio, TranscribeSettings(model=str(variant))).name == "Cached"

    # Same name, other weights: the identity is the files, not the folder's name.
    moved = tmp_path / "elsewhere" / "tiny-variant"
    shutil.copytree(bundled_model_dir(), moved)
    assert _run(audio, TranscribeSettings(model=str(moved))).result().model_sha256 == (
        a.model_sha256
    )


def test_named_model_needs_download_permission(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="PODCLIP_TRANSCRIBE__ALLOW_DOWNLOAD"):
        resolve_model("small", download_root=tmp_path)
    with pytest.raises(ModelUnavailable, match="Unknown Whisper model"):
        resolve_model("not-a-model", download_root=tmp_path)
    with pytest.raises(ModelUnavailable, match=r"model\.bin"):
        resolve_model(str(tmp_path))  # a directory without a model


def test_download_fails_clearly_when_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Hub is unreachable here (and forced offline for certain): the error says what to do.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="offline") as caught:
        resolve_model("tiny", allow_download=True, download_root=tmp_path)
    assert caught.value.code == "model_unavailable"


def test_auto_device_is_cpu_without_a_gpu() -> None:
    import ctranslate2

    expected = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_device("cpu") == "cpu"
    opts = transcription_options(TranscribeSettings(device="cpu", compute_type_cpu="int8"), {})
    assert (opts.device, opts.compute_type) == ("cpu", "int8")
    with pytest.raises(ValueError):
        resolve_device("tpu")


@pytest.fixture
def spanish(tmp_path: Path) -> Path:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed")
    out = tmp_path / "spanish.wav"
    subprocess.run([espeak, "-v", "es", "-w", str(out), SPANISH], check=True, timeout=60)
    return out


def test_english_only_model_refuses_spanish(data_root: Path, spanish: Path) -> None:
    audio = _audio(spanish)
    opts = transcription_options(get_settings().transcribe, {})
    with pytest.raises(UnsupportedLanguage) as caught:
        transcribe_audio.fn(audio, opts)
    assert caught.value.code == "unsupported_language"
    # A job that says Spanish fails at once with the same code.
    with pytest.raises(UnsupportedLanguage, match="English-only"):
        transcribe_audio.fn(audio, dataclasses.replace(opts, language="es"))


def test_english_recordings_pass_the_language_check(data_root: Path, shared_data: Path) -> None:
    for name in ("whisper-timestamped/apollo11.mp3", "lhotse-ami/ES2011a.Headset-0-40s-46s.wav"):
        opts = transcription_options(get_settings().transcribe, {})
        transcript = transcribe_audio.fn(_audio(shared_data / name), opts)
        assert transcript.language == "en" and transcript.segments, name
