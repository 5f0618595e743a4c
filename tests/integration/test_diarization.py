"""Diarization with the real voice encoder on real audio, and show notes with the real MiniLM.

Speaker-attribution error is the share of word time (words transcribed by the pipeline's own
Whisper model) given to the wrong speaker. Each word's true speaker is the reference turn that
contains its midpoint (the nearest turn if none does); words inside overlapping reference turns
are left out, since either answer is right.

Measured (default settings, threshold 0.3): bundled sample 2.6 % with the host/guest names
exactly as labelled (2.0 % when the job says ``speakers: 2``). pyannote's real two-speaker
conversation and its AMI meeting excerpt dev00 (speaker names there are arbitrary, so the best
one-to-one mapping is scored) are 30 s each, where one 1.5 s turn is 5 %, and their error moves
with the word timings, which differ between machines: as transcribed and with the word times
moved by N(0, 30 ms) eight times, the conversation gives 5.5-12.1 % (median 5.6 %) and dev00
6.9-16.7 % (median 12.5 %; 4.7 % and 16.7 % as transcribed on two machines). The bounds: 5 %
for the clean two-voice sample; for the real recordings, on the median of those nine
diarizations, 10 % and 15 %.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from podclip.core.records import Transcript
from podclip.core.settings import get_settings
from podclip.scoring.diarization import DiarizationOptions
from podclip.scoring.types import Segment
from podclip.store.media import MediaStore
from podclip.tasks.audio import audio_options, extract_audio
from podclip.tasks.diarize import diarize_wav, read_wav, speaker_names
from podclip.tasks.fetch import download_media
from podclip.tasks.shownotes import build_show_notes, show_notes_options
from podclip.tasks.transcribe import transcribe_audio, transcription_options

pytestmark = pytest.mark.slow

Turn = tuple[float, float, str]


@pytest.fixture(scope="module")
def module_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One data root for the module, so each recording is transcribed once."""
    root = tmp_path_factory.mktemp("diarize") / "podclip-data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PODCLIP_DATA_ROOT", str(root))
        get_settings.cache_clear()
        yield root
    get_settings.cache_clear()


def _transcribe(path: Path) -> tuple[Transcript, Path]:
    settings = get_settings()
    audio = extract_audio.fn(download_media.fn(str(path)), audio_options(settings.fetch))
    transcript = transcribe_audio.fn(audio, transcription_options(settings.transcribe, {}))
    return transcript, MediaStore.from_settings(get_settings()).local_path(audio.key)


@pytest.fixture(scope="module")
def sample(module_root: Path, sample_episode: Path) -> tuple[Transcript, Path]:
    return _transcribe(sample_episode)


def _diarize(transcript: Transcript, wav: Path, **options: object) -> tuple[Segment, ...]:
    opts = replace(DiarizationOptions(threshold=get_settings().speakers.threshold), **options)
    return diarize_wav(transcript, read_wav(wav), opts, threads=1)


def attribution_error(segments: Sequence[Segment], turns: Sequence[Turn], mapped: bool) -> float:
    """Share of word time with the wrong speaker (best one-to-one mapping unless ``mapped``)."""
    time: dict[tuple[str | None, str], float] = {}
    for seg in segments:
        for w in seg.words:
            mid = (w.start + w.end) / 2
            inside = {who for a, b, who in turns if a <= mid <= b}
            if len(inside) > 1:
                continue
            truth = (
                inside.pop()
                if inside
                else min(turns, key=lambda t: min(abs(t[0] - mid), abs(t[1] - mid)))[2]
            )
            key = (seg.speaker, truth)
            time[key] = time.get(key, 0.0) + (w.end - w.start)
    total = sum(time.values())
    assert total > 0
    if mapped:
        right = sum(v for (said, truth), v in time.items() if said == truth)
        return 1 - right / total
    said = sorted({s or "" for s, _ in time})
    truths = sorted({t for _, t in time})
    best = 0.0
    for perm in itertools.permutations(said, min(len(said), len(truths))):
        for chosen in itertools.permutations(truths, len(perm)):
            best = max(best, sum(time.get((s, t), 0.0) for s, t in zip(perm, chosen, strict=True)))
    return 1 - best / total


def _rttm(path: Path) -> list[Turn]:
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        start, length = float(parts[3]), float(parts[4])
        turns.append((start, start + length, parts[7]))
    return turns


def test_sample_speakers_within_five_percent(
    sample: tuple[Transcript, Path], sample_episode: Path
) -> None:
    transcript, wav = sample
    turns = [
        (t["start"], t["end"], t["speaker"])
        for t in json.loads(sample_episode.with_name("turns.json").read_text())
    ]
    segments = _diarize(transcript, wav)
    assert {s.speaker for s in segments} == {"host", "guest"}
    # The host/guest names themselves must be right, not just the grouping.
    error = attribution_error(segments, turns, mapped=True)
    assert error <= 0.05, f"speaker attribution error {error:.3f}"
    hinted = attribution_error(_diarize(transcript, wav, num_speakers=2), turns, mapped=True)
    assert hinted <= 0.05, f"with a speaker-count hint: {hinted:.3f}"
    # Splitting at speaker changes keeps every word exactly once, in order.
    assert [w for s in segments for w in s.words] == [
        w for s in transcript.segments for w in s.words
    ]


# Word timings differ by tens of milliseconds between machines (faster-whisper's kernels differ
# by CPU); on 30 s of a meeting that moves a window and can flip a 2 s turn whose voice lies
# within 0.03 cosine of both speakers. The median over jittered copies is what another machine
# would give (module docstring).
JITTER_S = 0.03
JITTER_DRAWS = 8


def _jittered(transcript: Transcript, rng: random.Random) -> Transcript:
    """The transcript with every word moved by one draw of N(0, ``JITTER_S``), in order."""
    segments = []
    for seg in transcript.segments:
        words = []
        for w in seg.words:
            shift = rng.gauss(0.0, JITTER_S)
            words.append(replace(w, start=max(0.0, w.start + shift), end=max(0.0, w.end + shift)))
        segments.append(replace(seg, words=tuple(words)))
    return replace(transcript, segments=tuple(segments))


@pytest.mark.parametrize(("name", "bound"), [("sample", 0.10), ("dev00", 0.15)])
def test_real_two_speaker_recordings_within_bound(
    module_root: Path, shared_data: Path, name: str, bound: float
) -> None:
    folder = shared_data / "pyannote-audio"
    transcript, wav = _transcribe(folder / f"{name}.wav")
    turns = _rttm(folder / f"{name}.rttm")
    rng = random.Random(7)
    versions = [transcript] + [_jittered(transcript, rng) for _ in range(JITTER_DRAWS)]
    errors = sorted(
        attribution_error(_diarize(version, wav), turns, mapped=False) for version in versions
    )
    median = statistics.median(errors)
    assert median <= bound, f"{name}: median speaker attribution error {median:.3f} ({errors})"


def test_show_notes_for_the_sample(sample: tuple[Transcript, Path]) -> None:
    from podclip.scoring import score_episode

    transcript, wav = sample
    diarized = replace(transcript, segments=_diarize(transcript, wav))
    host, guest = speaker_names(diarized, None, {})
    assert host == "Maya"
    assert guest is not None and guest.startswith("Daniel")
    moments = sorted(score_episode(diarized.segments), key=lambda m: -m.shareability_score)
    options = show_notes_options(get_settings().show_notes)
    md = build_show_notes.fn(diarized, tuple(moments), "The Long Game", host, guest, options)

    assert md.startswith("# The Long Game\n")
    assert f"Maya talks with {guest} about" in md
    assert f"**Guest:** {guest}" in md
    chapters = re.findall(
        r"^- (\d\d):(\d\d) (\S.*)$", md.split("## Chapters")[1].split("##")[0], re.M
    )
    starts = [int(m) * 60 + int(s) for m, s, _ in chapters]
    assert len(chapters) >= 2 and starts[0] == 0
    assert starts == sorted(starts) and starts[-1] < transcript.duration_seconds
    quotes = re.findall(r"^- (\d\d):(\d\d) “(.+)” — (.+)$", md.split("## Key quotes")[1], re.M)
    assert len(quotes) == min(options.notes.key_quotes, len(moments))
    for (m, s, text, who), moment in zip(quotes, moments, strict=False):
        assert text == moment.pull_quote
        assert moment.start - 1 <= int(m) * 60 + int(s) <= moment.end
        assert who in {"Maya", guest}


def test_encoder_embeddings_are_unit_length_even_for_silence() -> None:
    import numpy as np

    from podclip.tasks.diarize import embed_windows

    rng = np.random.default_rng(0)
    wav = np.concatenate([np.zeros(16000 * 2), 0.1 * rng.standard_normal(16000 * 2)])
    emb = embed_windows(wav.astype(np.float32), [(0.0, 1.5), (2.0, 3.5), (3.0, 3.5)])
    assert emb.shape == (3, 256)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
