"""Signed media tokens and API key parsing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from podclip.core.errors import InvalidToken
from podclip.core.settings import Settings
from podclip.store import signing
from podclip.store.api_keys import ApiKey, hash_secret, normalise_scopes, split_key
from podclip.store.ops import utcnow

SECRET = b"s" * 32


def test_token_round_trip_and_expiry() -> None:
    token = signing.sign(SECRET, {"k": "renders/a.mp4"}, expires_at=2_000)
    assert signing.verify(SECRET, token, now=1_999)["k"] == "renders/a.mp4"
    with pytest.raises(InvalidToken, match="expired"):
        signing.verify(SECRET, token, now=2_001)


@pytest.mark.parametrize("mutate", ["payload", "mac", "secret", "garbage"])
def test_forged_tokens_are_refused(mutate: str) -> None:
    token = signing.sign(SECRET, {"k": "renders/a.mp4"}, expires_at=2_000)
    body, mac = token.split(".")
    other = signing.sign(SECRET, {"k": "../../etc/passwd"}, expires_at=2_000).split(".")[0]
    forged = {
        "payload": f"{other}.{mac}",
        "mac": f"{body}.{mac[:-2]}AA",
        "secret": token,
        "garbage": "not-a-token",
    }[mutate]
    key = b"other" if mutate == "secret" else SECRET
    with pytest.raises(InvalidToken):
        signing.verify(key, forged, now=1_000)


def test_secret_file_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path)
    first = signing.signing_secret(settings)
    path = tmp_path / signing.SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing.signing_secret(settings) == first and len(first) >= 32
    configured = Settings(data_root=tmp_path, api={"signing_secret": "configured-secret"})
    assert signing.signing_secret(configured) == b"configured-secret"


def test_key_prefixes_and_hashes() -> None:
    assert split_key("clk_live_abc") == ("live", "abc")
    assert split_key("clk_test_abc") == ("test", "abc")
    assert split_key("clk_test_") is None
    assert split_key("klipit_sk_abc") is None
    assert hash_secret("abc") != hash_secret("abd") and len(hash_secret("abc")) == 64


def test_scopes() -> None:
    assert normalise_scopes(["jobs:create,jobs:read", "jobs:read"]) == ("jobs:create", "jobs:read")
    with pytest.raises(Exception, match="Unknown scope"):
        normalise_scopes(["jobs:delete"])
    key = ApiKey("key_1", None, "test", ("jobs:*", "clips:read"), "clk_test_abcd", utcnow())
    assert key.allows("jobs:create") and key.allows("clips:read")
    assert not key.allows("exports:create") and not key.allows("account:read")
    assert ApiKey("k", None, "live", ("*",), "p", utcnow()).allows("account:read")
