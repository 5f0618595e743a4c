"""The caption fonts a show may choose: families of the packaged font sets on this machine.

Only fonts that ship with the system packages (Debian's ``fonts-dejavu-core`` and
``fonts-liberation``) are offered, so a render never depends on a file a user uploaded and
libass always finds the family it is asked for. The API validates a brand's font against
:func:`available_fonts`; the renderer reads the family's folder from :func:`font_folder`.
"""

from __future__ import annotations

from pathlib import Path

FONT_ROOT = Path("/usr/share/fonts/truetype")
DEFAULT_FONT = "DejaVu Sans"

# Family name (as libass matches it) → (folder under FONT_ROOT, a file that must exist).
FONT_FAMILIES: dict[str, tuple[str, str]] = {
    "DejaVu Sans": ("dejavu", "DejaVuSans-Bold.ttf"),
    "DejaVu Sans Condensed": ("dejavu", "DejaVuSansCondensed-Bold.ttf"),
    "DejaVu Serif": ("dejavu", "DejaVuSerif-Bold.ttf"),
    "DejaVu Sans Mono": ("dejavu", "DejaVuSansMono-Bold.ttf"),
    "Liberation Sans": ("liberation", "LiberationSans-Bold.ttf"),
    "Liberation Sans Narrow": ("liberation", "LiberationSansNarrow-Bold.ttf"),
    "Liberation Serif": ("liberation", "LiberationSerif-Bold.ttf"),
    "Liberation Mono": ("liberation", "LiberationMono-Bold.ttf"),
}


def available_fonts(root: Path = FONT_ROOT) -> list[str]:
    """The families whose files are installed here, in catalogue order."""
    return [
        name for name, (folder, probe) in FONT_FAMILIES.items() if (root / folder / probe).is_file()
    ]


def font_folder(name: str, root: Path = FONT_ROOT) -> Path:
    """The folder holding family ``name`` (the default family's for an unknown name)."""
    folder, _ = FONT_FAMILIES.get(name, FONT_FAMILIES[DEFAULT_FONT])
    return root / folder
