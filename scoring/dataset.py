"""Labelled examples: loading, the fixed split, the data hash and transcript-like variants.

Two kinds of file. `scoring/data/*.jsonl` hold team-written texts (`origin: "written"`), one
JSON object a line with `text`, `label`, `source` and `split` ("train" or "validation"; every
5th line of each file is validation). `scoring/data/real/<episode>.jsonl` hold passages of real
episodes (`origin: "real"`) cited by `file`, `offset` and `length` (code points) into the
transcripts under the shared data folder, which never enter this repository; they are
resolved at load time from `--shared` / `PODCLIP_SHARED_DATA` (default `<repo>/../shared/data`).
Real passages keep their speaker turns and are validated leave-one-episode-out, never by the
every-5th rule. Evaluation files passed on the command line need only `text` and `label`, or
`label` and a cited passage.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .labels import LABELS
from .text import split_sentences

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
REAL_SUBDIR = "real"
VALIDATION_EVERY = 5
SHARED_ENV = "PODCLIP_SHARED_DATA"
# `[speaker 3] text` opens each turn in the shared `*.turns.txt` transcripts.
_SPEAKER_MARK = re.compile(r"\[speaker ([^\]]+)\]\s*")
# A pasted text may also mark turns `[SPEAKER_01]` (diarized ASR), or open a line with a
# speaker label: `Speaker 2:`, `SPEAKER_00:` or a role ("Host:", "Guest 2:", "Interviewer:").
_ROLES = (
    r"speaker|host|co-?host|guest|interviewer|interviewee|moderator|narrator|caller|"
    r"panell?ist|presenter|announcer"
)
_TEXT_SPEAKER_MARK = re.compile(
    rf"(?:\[speaker[ _]?([^\]]+)\]|^[ \t]*((?:{_ROLES})(?:[ _]?\w+)?)[ \t]*:)\s*",
    re.IGNORECASE | re.MULTILINE,
)
# Or a name: "Joe Rogan:", "Dr. Lee:" opening a line, taken as a label only where at least two
# lines open so (a lone "Note:" is text).
_NAME_LABEL = re.compile(
    r"^[ \t]*([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})[ \t]*:[ \t]+(?=\S)", re.MULTILINE
)
_NAME_LABELS_NEEDED = 2
# A time stamp in brackets anywhere ("[00:01:23]", "(1:02:03.5)"), or opening a line, alone or
# as a range ("00:00:01,000 --> 00:00:04,000", as in subtitles, whose cue numbers stand on
# lines of their own).
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIMESTAMP = re.compile(
    rf"[\[(][ \t]*{_CLOCK}[ \t]*[\])]|^[ \t]*{_CLOCK}(?:[ \t]*-+>?[ \t]*{_CLOCK})?[ \t]*"
    r"|^[ \t]*\d+[ \t]*$",
    re.MULTILINE,
)

Turns = tuple[tuple[str | None, str], ...]


@dataclass(frozen=True)
class Example:
    """One labelled text; `group` ties transcript-like variants to their original."""

    text: str
    label: str
    split: str = "train"
    source: str = ""
    group: int = -1
    origin: str = "written"
    """`written` (team-written text) or `real` (a passage of a real episode)."""
    episode: str = ""
    """The real episode a passage comes from (empty for written texts)."""
    turns: Turns = ()
    """(speaker, text) per speaker turn, in order; empty means one turn of unknown speaker."""

    def speaker_turns(self) -> Turns:
        """The turns, or the whole text as one turn of unknown speaker."""
        return self.turns or ((None, self.text),)


def default_shared_dir() -> Path:
    """`$PODCLIP_SHARED_DATA`, else `<repo>/../shared/data` (where the real transcripts live)."""
    env = os.environ.get(SHARED_ENV)
    if env:
        return Path(env)
    return DATA_DIR.parent.parent.parent / "shared" / "data"


def written_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The team-written data files, sorted by name."""
    return sorted(data_dir.glob("*.jsonl"))


def real_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The real-passage label files (`real/<episode>.jsonl`), sorted by name."""
    return sorted((data_dir / REAL_SUBDIR).glob("*.jsonl"))


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every training label file: written texts, then real passages (what the data hash covers)."""
    return written_files(data_dir) + real_files(data_dir)


def data_hash(files: Sequence[Path]) -> str:
    """sha256 over the files' bytes, in sorted order of (folder name, file name)."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: (p.parent.name, p.name)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_jsonl(path: Path, shared_dir: Path | None = None) -> list[Example]:
    """Read one file; lines need `label` and either `text` or a cited passage (`file`,
    `offset`, `length` into the shared transcripts); `split` defaults to the every-5th rule.

    `[speaker N]` markers in a `text` become speaker turns, as in a cited passage, so a
    passage copied out of a `*.turns.txt` transcript reads the same either way.
    """
    examples: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            where = f"{path}:{lineno}"
            label = _label(row, where)
            default_split = "validation" if lineno % VALIDATION_EVERY == 0 else "train"
            split = str(row.get("split", default_split))
            if split not in ("train", "validation"):
                raise ValueError(f"{where}: split must be train or validation")
            origin = str(row.get("origin", "written"))
            source = str(row.get("source", ""))
            if "text" in row:
                pasted = without_timestamps(str(row["text"]))
                turns = marked_turns(pasted)
                text = " ".join(t for _, t in turns) if turns else " ".join(pasted.split())
            elif "file" in row:
                turns = _cited_turns(row, shared_dir, where)
                text = " ".join(t for _, t in turns)
                source = source or f"{row['file']}@{row['offset']}+{row['length']}"
            else:
                raise ValueError(f"{where}: a line needs `text`, or `file`, `offset` and `length`")
            examples.append(Example(text, label, split, source, origin=origin, turns=turns))
    return examples


def _label(row: dict[str, object], where: str) -> str:
    label = str(row["label"])
    if label not in LABELS:
        raise ValueError(f"{where}: unknown label {label!r}")
    return label


def without_timestamps(text: str) -> str:
    """The text with its time stamps taken out (the model would read them as words)."""
    return _TIMESTAMP.sub("", text)


def marked_turns(text: str) -> Turns:
    """Speaker turns of a text with speaker markers or labels; empty when it has none."""
    if _TEXT_SPEAKER_MARK.search(text):
        return split_turns(text, None, _TEXT_SPEAKER_MARK)
    if len(_NAME_LABEL.findall(text)) >= _NAME_LABELS_NEEDED:
        return split_turns(text, None, _NAME_LABEL)
    return ()


def split_turns(
    passage: str, first_speaker: str | None, marks: re.Pattern[str] = _SPEAKER_MARK
) -> Turns:
    """Speaker turns of a transcript slice; text before the first marker is `first_speaker`'s."""
    turns: list[tuple[str | None, str]] = []
    speaker = first_speaker
    pos = 0
    for m in marks.finditer(passage):
        text = " ".join(passage[pos : m.start()].split())
        if text:
            turns.append((speaker, text))
        speaker, pos = next(g for g in m.groups() if g), m.end()
    text = " ".join(passage[pos:].split())
    if text:
        turns.append((speaker, text))
    return tuple(turns)


@functools.lru_cache(maxsize=64)
def _transcript(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _cited_turns(row: dict[str, object], shared_dir: Path | None, where: str) -> Turns:
    """The speaker turns of a passage cited by `file`, `offset` and `length` (code points)."""
    source = (shared_dir or default_shared_dir()) / "transcripts" / str(row["file"])
    if not source.exists():
        raise FileNotFoundError(f"{where}: {source} not found; pass --shared or set {SHARED_ENV}")
    full = _transcript(source)
    start = int(str(row["offset"]))
    end = start + int(str(row["length"]))
    if not 0 <= start < end <= len(full):
        raise ValueError(f"{where}: span outside {source.name}")
    before = list(_SPEAKER_MARK.finditer(full, 0, start))
    return split_turns(full[start:end], before[-1].group(1) if before else None)


def read_real(path: Path, shared_dir: Path | None = None) -> list[Example]:
    """Read a real-passage label file, resolving each passage's text from the shared folder."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            where = f"{path}:{lineno}"
            label = _label(row, where)
            turns = _cited_turns(row, shared_dir, where)
            text = " ".join(t for _, t in turns)
            why = str(row.get("why", ""))
            examples.append(
                Example(
                    text,
                    label,
                    "train",
                    f"{row['file']}@{row['offset']}+{row['length']}: {why}",
                    origin="real",
                    episode=str(row.get("episode", path.stem)),
                    turns=turns,
                )
            )
    return examples


def load_examples(files: Iterable[Path], shared_dir: Path | None = None) -> list[Example]:
    """All examples of the given files (real ones resolved), numbered into groups in order."""
    out: list[Example] = []
    for path in files:
        real = path.parent.name == REAL_SUBDIR
        for ex in read_real(path, shared_dir) if real else read_jsonl(path):
            out.append(replace(ex, group=len(out)))
    return out


_INNER_PUNCT = re.compile(r"[,;:\"\u201c\u201d()\[\]\u2014\u2013]|(?<!\w)-|-(?!\w)|\.\.\.")
_ALL_PUNCT = re.compile(r"[^\w\s']")


def asr_lower(text: str) -> str:
    """Lower-case and drop inner punctuation, keeping sentence ends (like punctuated ASR)."""
    return re.sub(r"\s+", " ", _INNER_PUNCT.sub(" ", text.lower())).strip()


def asr_bare(text: str) -> str:
    """Lower-case with no punctuation at all: one run-on "sentence" (like raw ASR)."""
    return re.sub(r"\s+", " ", _ALL_PUNCT.sub(" ", text.lower())).strip()


def rechunk(text: str, rng: random.Random) -> str:
    """Join some adjacent sentences and split long ones at a comma, as ASR segmenting does."""
    sentences = split_sentences(text)
    out: list[str] = []
    for sentence in sentences:
        words = sentence.split()
        commas = [i for i, w in enumerate(words[:-3]) if w.endswith(",") and i >= 3]
        if commas and rng.random() < 0.5:
            cut = rng.choice(commas)
            first = " ".join(words[: cut + 1]).rstrip(",") + "."
            rest = " ".join(words[cut + 1 :])
            out.extend([first, rest[:1].upper() + rest[1:]])
        elif out and rng.random() < 0.4:
            joined = out.pop().rstrip(".!?")
            out.append(f"{joined}, {sentence[:1].lower()}{sentence[1:]}")
        else:
            out.append(sentence)
    return " ".join(out)


def augment(examples: Sequence[Example], seed: int, variants: Sequence[str]) -> list[Example]:
    """The examples followed by transcript-like variants of each (same label and group)."""
    rng = random.Random(seed)
    out = list(examples)
    for ex in examples:
        for name in variants:
            if name == "asr_lower":
                text = asr_lower(ex.text)
            elif name == "asr_bare":
                text = asr_bare(ex.text)
            elif name == "rechunk":
                text = rechunk(ex.text, rng)
            else:
                raise ValueError(f"unknown augmentation {name!r}")
            if text and text != ex.text:
                # Variants are one turn of plain text: their sentence boundaries moved.
                variant = Example(text, ex.label, ex.split, f"{ex.source} [{name}]", ex.group)
                out.append(replace(variant, origin=ex.origin, episode=ex.episode))
    return out
