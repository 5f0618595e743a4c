"""Webhook signatures: what podclip signs verifies with our helper and with standardwebhooks."""

from __future__ import annotations

import json
import time

import pytest
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError

from podclip.client.signatures import SignatureVerificationError, verify_signature
from podclip.store.webhook_registry import new_secret
from podclip.tasks.webhooks import sign_headers

BODY = json.dumps({"id": "evt_1", "object": "event", "type": "job.completed"}).encode()


def _signed(secret: str, timestamp: int | None = None) -> dict[str, str]:
    return sign_headers(BODY, secret, event_id="evt_1", timestamp=timestamp or int(time.time()))


def test_a_signed_body_verifies_with_both_verifiers() -> None:
    secret = new_secret()
    headers = _signed(secret)
    assert verify_signature(BODY, headers["X-Podclip-Signature"], secret)["id"] == "evt_1"
    assert StandardWebhook(secret).verify(BODY, headers)["type"] == "job.completed"


def test_a_tampered_body_is_rejected_by_both() -> None:
    secret = new_secret()
    headers = _signed(secret)
    tampered = BODY.replace(b"completed", b"failed")
    with pytest.raises(SignatureVerificationError):
        verify_signature(tampered, headers["X-Podclip-Signature"], secret)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(secret).verify(tampered, headers)


@pytest.mark.parametrize("offset", [-301, 301])
def test_stale_or_future_timestamps_are_rejected(offset: int) -> None:
    secret = new_secret()
    headers = _signed(secret, int(time.time()) + offset)
    with pytest.raises(SignatureVerificationError, match="tolerance"):
        verify_signature(BODY, headers["X-Podclip-Signature"], secret)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(secret).verify(BODY, headers)


def test_tolerance_is_a_parameter() -> None:
    secret = new_secret()
    header = _signed(secret, 1_000)["X-Podclip-Signature"]
    assert verify_signature(BODY, header, secret, tolerance=10, now=1_009)
    with pytest.raises(SignatureVerificationError):
        verify_signature(BODY, header, secret, tolerance=10, now=1_011)


def test_any_of_several_v1_entries_may_match_for_rotation() -> None:
    old, new = new_secret(), new_secret()
    t = int(time.time())
    v1_old = _signed(old, t)["X-Podclip-Signature"].split("v1=")[1]
    v1_new = _signed(new, t)["X-Podclip-Signature"].split("v1=")[1]
    header = f"t={t},v1={v1_old},v1={v1_new}"
    assert verify_signature(BODY, header, old)
    assert verify_signature(BODY, header, new)
    with pytest.raises(SignatureVerificationError, match="No v1"):
        verify_signature(BODY, header, new_secret())


@pytest.mark.parametrize("header", [None, "", "v1=abcd", "t=12", "t=x,v1=ab", "garbage"])
def test_malformed_headers_are_rejected(header: str | None) -> None:
    with pytest.raises(SignatureVerificationError):
        verify_signature(BODY, header, new_secret())


def test_the_signed_message_is_t_dot_raw_body_with_the_decoded_key() -> None:
    import base64
    import hashlib
    import hmac

    secret = new_secret()
    header = _signed(secret, 1_700_000_000)["X-Podclip-Signature"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_secrets_are_standard_webhooks_secrets() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 32
    assert secret != new_secret()
