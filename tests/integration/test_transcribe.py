"""Transcription with the pipeline's own model and settings on real recordings.

Bounds were set from measurements of tiny.en int8 (batched, beam 1) on this machine, with a
margin: jfk 0.0, falcon 0.0, AMI headset clip 0.33 (6 s of far-from-clean meeting speech),
the bundled espeak-ng sample about 0.08.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podclip.core.settings import get_settings
from podclip.tasks.audio import audio_options, extract_audio
from podclip.tasks.fetch import download_media
from podclip.tasks.transcribe import transcribe_audio, transcription_options
from tests.support.wer import word_error_rate

pytestmark = pytest.mark.slow

CASES = [
    ("faster-whisper/jfk.flac", "faster-whisper/jfk.txt", 0.05),
    ("picovoice/falcon_test.wav", "picovoice/falcon_test.txt", 0.10),
    ("lhotse-ami/ES2011a.Headset-0-40s-46s.wav", "lhotse-ami/ES2011a.Headset-0-40s-46s.txt", 0.45),
]


def _transcribe(path: Path) -> str:
    settings = get_settings()
    audio = extract_audio.fn(download_media.fn(str(path)), audio_options(settings.fetch))
    transcript = transcribe_audio.fn(audio, transcription_options(settings.transcribe, {}))
    assert transcript.segments, "no speech found"
    for segment in transcript.segments:
        assert segment.words, "word timestamps missing"
        assert all(w.start <= w.end for w in segment.words)
    return transcript.text


@pytest.mark.parametrize(("audio", "reference", "bound"), CASES)
def test_wer_on_real_recordings(
    shared_data: Path, data_root: Path, audio: str, reference: str, bound: float
) -> None:
    wer = word_error_rate((shared_data / reference).read_text(), _transcribe(shared_data / audio))
    assert wer <= bound, f"WER {wer:.3f} above {bound}"


def test_wer_on_bundled_sample(data_root: Path, sample_episode: Path) -> None:
    script = sample_episode.with_name("script.txt").read_text()
    reference = " ".join(line.split(":", 1)[1] for line in script.splitlines() if ":" in line)
    wer = word_error_rate(reference, _transcribe(sample_episode))
    assert wer <= 0.15, f"WER {wer:.3f}"
