"""Show brand kits in the operational database (table ``show_brands``, migration 190).

A brand belongs to an account and a show name; another account's show of the same name has
its own (or none). The episode flow reads it through :func:`brand_for`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from podclip.core.brand import Brand
from podclip.store import ops
from podclip.store.schema import show_brands


@dataclass(frozen=True)
class BrandRow:
    """A stored brand kit with its owner and when it last changed."""

    account_id: str
    show_name: str
    brand: Brand
    updated_at: datetime


def get_brand(engine: Engine, account_id: str, show_name: str) -> BrandRow | None:
    """The account's brand kit for ``show_name``, or None."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(show_brands).where(
                    show_brands.c.account_id == account_id,
                    show_brands.c.show_name == show_name,
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    return BrandRow(
        account_id=row["account_id"],
        show_name=row["show_name"],
        brand=Brand(
            primary=row["primary_colour"],
            secondary=row["secondary_colour"],
            font=row["font"],
            caption_style=row["caption_style"],
            logo=row["logo_key"],
        ),
        updated_at=row["updated_at"],
    )


def brand_for(engine: Engine, account_id: str, show_name: str | None) -> Brand | None:
    """The brand a job of ``show_name`` renders with (None: no show or no kit)."""
    if not show_name:
        return None
    found = get_brand(engine, account_id, show_name)
    return found.brand if found else None


def put_brand(
    engine: Engine, account_id: str, show_name: str, brand: Brand, updated_by: str | None
) -> BrandRow:
    """Replace the account's brand kit for ``show_name``; return the stored row."""
    now = ops.utcnow()
    with engine.begin() as conn:
        conn.execute(
            delete(show_brands).where(
                show_brands.c.account_id == account_id, show_brands.c.show_name == show_name
            )
        )
        conn.execute(
            insert(show_brands).values(
                account_id=account_id,
                show_name=show_name,
                primary_colour=brand.primary,
                secondary_colour=brand.secondary,
                font=brand.font,
                caption_style=brand.caption_style,
                logo_key=brand.logo,
                updated_by=updated_by,
                updated_at=now,
            )
        )
    return BrandRow(account_id, show_name, brand, now)
