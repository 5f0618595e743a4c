"""Webhooks: register an endpoint, list and delete them, test-fire, read and replay deliveries.

A webhook speaks the dialect of the prefix it was registered under (``/v1`` Clypt,
``/api/v1`` Klipit) or of an explicit ``format``: its event names (Clypt ``job.completed``,
Klipit ``job.complete``), payload and signature header (``podclip.tasks.webhook_payloads``).
Events are recorded with the job change that causes them and sent by the deliverer, so test
fires and replays answer ``202`` with a pending delivery that the next pass sends. The signing
secret is in the registration response only. Every route sees only its key's account's
webhooks and deliveries (anyone else's are 404 ``not_found``); an account may register at most
``accounts.max_webhooks`` (409 ``webhook_limit_reached``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from podclip.api.deps import DialectDep, SettingsDep, Stores, StoresDep, require
from podclip.api.routes import ERROR_RESPONSES
from podclip.api.schemas import ErrorEnvelope
from podclip.core.dialects import CLYPT, Dialect, event_name
from podclip.core.errors import WebhookNotFound
from podclip.store import webhook_deliveries as deliveries
from podclip.store import webhook_registry as registry
from podclip.store.api_keys import ApiKey
from podclip.store.webhook_registry import check_endpoint

router = APIRouter(tags=["webhooks"], responses=ERROR_RESPONSES)

WebhooksAll = Annotated[ApiKey, Depends(require("webhooks:*"))]
WebhookId = Annotated[str, Path(min_length=1, max_length=64, description="A webhook id (we_…).")]
DeliveryId = Annotated[str, Path(min_length=1, max_length=64, description="A delivery id (whd_…).")]
DELIVERIES_PAGE = 100
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorEnvelope, "description": "The webhook was deactivated."}
}


class WebhookCreate(BaseModel):
    """An https endpoint, the events it wants and the dialect its deliveries speak."""

    url: str = Field(min_length=1, max_length=2048, description="The endpoint's https URL.")
    events: list[str] = Field(
        max_length=10,
        description="Clypt: any of job.created, job.completed, job.failed. "
        "Klipit: any of job.created, job.complete, job.failed.",
    )
    format: Dialect | SkipJsonSchema[None] = Field(
        default=None,
        description="clypt (X-Clypt-Signature, event envelope) or klipit (X-Klipit-Signature, "
        "{event, job_id, clip_count, timestamp}); default: the prefix's (/v1 clypt, /api/v1 "
        "klipit).",
    )


class WebhookOut(BaseModel):
    object: str = "webhook"
    id: str
    url: str
    events: list[str]
    format: Dialect
    active: bool
    consecutive_failures: int
    deactivated_reason: str | None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="whsec_…: shown once, here; verify signatures with it.")


class WebhookList(BaseModel):
    object: str = "list"
    data: list[WebhookOut]
    has_more: bool = False


class WebhookDeleted(BaseModel):
    object: str = "webhook"
    id: str
    deleted: bool = True


class DeliveryOut(BaseModel):
    object: str = "webhook_delivery"
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    request_id: str
    status: str = Field(description="pending, delivered, failed or canceled.")
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    replay_of: str | None
    created_at: datetime
    completed_at: datetime | None


class DeliveryList(BaseModel):
    object: str = "list"
    data: list[DeliveryOut]
    has_more: bool = False


@router.post(
    "/webhooks", response_model=WebhookCreated, status_code=201, summary="Register a webhook"
)
def create_webhook(
    body: WebhookCreate,
    key: WebhooksAll,
    stores: StoresDep,
    settings: SettingsDep,
    dialect: DialectDep,
) -> dict[str, Any]:
    """The response carries the signing secret (``whsec_…``); it is never shown again."""
    check_endpoint(body.url, allow_private=settings.allow_private_urls)
    # The write engine: the account's webhook count and the insert are one exact step.
    hook = registry.create_webhook(
        stores.write_engine,
        url=body.url,
        events=body.events,
        environment=key.environment,
        api_key_id=key.id,
        format=body.format or dialect,
        account_id=key.account_id,
        max_webhooks=settings.accounts.max_webhooks,
        settings=settings,
    )
    return {**_webhook(hook), "secret": hook.secret}


@router.get("/webhooks", response_model=WebhookList, summary="List webhooks")
def list_webhooks(key: WebhooksAll, stores: StoresDep) -> dict[str, Any]:
    hooks = registry.list_webhooks(
        stores.engine, environment=key.environment, account_id=key.account_id
    )
    return {"object": "list", "data": [_webhook(h) for h in hooks], "has_more": False}


@router.delete("/webhooks/{webhook_id}", response_model=WebhookDeleted, summary="Delete a webhook")
def delete_webhook(webhook_id: WebhookId, key: WebhooksAll, stores: StoresDep) -> dict[str, Any]:
    """Pending deliveries are canceled; past deliveries stay readable until then."""
    registry.delete_webhook(
        stores.engine, webhook_id, environment=key.environment, account_id=key.account_id
    )
    return {"object": "webhook", "id": webhook_id, "deleted": True}


@router.post(
    "/webhooks/{webhook_id}/test",
    response_model=DeliveryOut,
    status_code=202,
    summary="Fire a synthetic test event",
    responses=CONFLICT,
)
def test_webhook(webhook_id: WebhookId, key: WebhooksAll, stores: StoresDep) -> dict[str, Any]:
    """A synthetic ``job.completed`` built from this environment's most recent job."""
    delivery = deliveries.fire_test_event(
        stores.engine, webhook_id, environment=key.environment, account_id=key.account_id
    )
    return _delivery(delivery, _format(stores, delivery.webhook_id, key))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=DeliveryList,
    summary="List a webhook's deliveries",
)
def list_deliveries(webhook_id: WebhookId, key: WebhooksAll, stores: StoresDep) -> dict[str, Any]:
    """Newest first, the last 100 (``has_more`` says whether older ones exist)."""
    rows = deliveries.list_deliveries(
        stores.engine,
        webhook_id,
        environment=key.environment,
        account_id=key.account_id,
        limit=DELIVERIES_PAGE + 1,
    )
    fmt = _format(stores, webhook_id, key)
    return {
        "object": "list",
        "data": [_delivery(d, fmt) for d in rows[:DELIVERIES_PAGE]],
        "has_more": len(rows) > DELIVERIES_PAGE,
    }


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    response_model=DeliveryOut,
    status_code=202,
    summary="Replay a delivery",
    responses=CONFLICT,
)
def replay_delivery(delivery_id: DeliveryId, key: WebhooksAll, stores: StoresDep) -> dict[str, Any]:
    """Sends the same event again: same event id, same ``request_id``, the same body bytes."""
    delivery = deliveries.replay_delivery(
        stores.engine, delivery_id, environment=key.environment, account_id=key.account_id
    )
    return _delivery(delivery, _format(stores, delivery.webhook_id, key))


def _webhook(hook: registry.Webhook) -> dict[str, Any]:
    return {
        "object": "webhook",
        "id": hook.id,
        "url": hook.url,
        # As registered: in the webhook's own dialect (Klipit's job.complete stays so).
        "events": [event_name(hook.format, e) for e in hook.events],
        "format": hook.format,
        "active": hook.active,
        "consecutive_failures": hook.consecutive_failures,
        "deactivated_reason": hook.deactivated_reason,
        "created_at": hook.created_at,
    }


def _format(stores: Stores, webhook_id: str, key: ApiKey) -> Dialect:
    """The dialect of the key's account's webhook (Clypt for one deleted meanwhile)."""
    try:
        return registry.get_webhook(
            stores.engine, webhook_id, environment=key.environment, account_id=key.account_id
        ).format
    except WebhookNotFound:
        return CLYPT


def _delivery(delivery: deliveries.Delivery, fmt: Dialect) -> dict[str, Any]:
    return {
        "object": "webhook_delivery",
        "id": delivery.id,
        "webhook_id": delivery.webhook_id,
        "event_id": delivery.event_id,
        "event_type": event_name(fmt, delivery.event_type),
        "request_id": delivery.request_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "replay_of": delivery.replay_of,
        "created_at": delivery.created_at,
        "completed_at": delivery.completed_at,
    }
