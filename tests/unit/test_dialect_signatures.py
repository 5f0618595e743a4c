"""Each dialect's signature header, computed as its document's receivers compute it."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook as StandardWebhook

from podclip.client.signatures import SignatureVerificationError, verify_signature
from podclip.core.dialects import Dialect
from podclip.store.job_record import Job
from podclip.tasks.webhook_payloads import klipit_body, sign_headers

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = (
    b'{"event":"job.complete","job_id":"job_1","clip_count":4,"timestamp":"2026-04-08T12:04:12Z"}'
)


def test_clypt_header_is_keyed_with_the_whole_secret_over_t_dot_body() -> None:
    t = int(time.time())
    headers = sign_headers(BODY, SECRET, event_id="evt_1", timestamp=t, format="clypt")
    mac = hmac.new(SECRET.encode(), f"{t}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers["X-Clypt-Signature"] == f"t={t},v1={mac}"
    assert "X-Klipit-Signature" not in headers
    assert verify_signature(BODY, headers["X-Clypt-Signature"], SECRET, scheme="clypt")
    # Our own header uses the decoded key: the two are different signatures of the same bytes.
    assert headers["X-Podclip-Signature"] != headers["X-Clypt-Signature"]
    assert verify_signature(BODY, headers["X-Podclip-Signature"], SECRET)
    with pytest.raises(SignatureVerificationError):
        verify_signature(BODY, headers["X-Podclip-Signature"], SECRET, scheme="clypt")


def test_klipit_header_is_the_hex_hmac_of_the_body() -> None:
    headers = sign_headers(BODY, SECRET, event_id="evt_1", timestamp=1, format="klipit")
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert headers["X-Klipit-Signature"] == expected and "X-Clypt-Signature" not in headers
    assert verify_signature(BODY, expected, SECRET, scheme="klipit")["clip_count"] == 4
    with pytest.raises(SignatureVerificationError):
        verify_signature(BODY.replace(b"4", b"5"), expected, SECRET, scheme="klipit")
    with pytest.raises(SignatureVerificationError):
        verify_signature(BODY, "zz", SECRET, scheme="klipit")


@pytest.mark.parametrize("fmt", ["clypt", "klipit"])
def test_every_dialect_also_carries_standard_webhooks_headers(fmt: Dialect) -> None:
    t = int(time.time())
    headers = sign_headers(BODY, SECRET, event_id="evt_9", timestamp=t, format=fmt)
    assert StandardWebhook(SECRET).verify(BODY, headers)["job_id"] == "job_1"


def test_klipit_body_has_exactly_the_documents_four_fields() -> None:
    now = datetime(2026, 4, 8, 12, 4, 12, tzinfo=UTC)
    job = Job(
        id="job_1", status="complete", source_type="audio_url", source_url="", source={},
        options={}, environment="test", created_at=now, updated_at=now, clip_count=4,
    )  # fmt: skip
    assert klipit_body(event_type="job.completed", created=now, job=job).encode() == BODY
