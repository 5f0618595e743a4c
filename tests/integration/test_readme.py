"""README promises that must stay true: its example queries are the ones the tests run."""

from __future__ import annotations

import re
from pathlib import Path

from podclip.store.analytics import EXAMPLE_QUERIES

README = Path(__file__).resolve().parents[2] / "README.md"


def _analytics_sql_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Analytics\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sql\n(.*?)```", section, flags=re.S)]


def test_readme_shows_the_example_queries_unchanged() -> None:
    assert _analytics_sql_blocks() == [q.sql.strip() for q in EXAMPLE_QUERIES]
    assert len(EXAMPLE_QUERIES) == 5


def test_readme_client_import_works() -> None:
    from podclip.client import AsyncPodclipClient, PodclipClient, verify_signature

    assert callable(verify_signature) and PodclipClient and AsyncPodclipClient
