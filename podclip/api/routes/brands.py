"""Show brand kits: ``PUT``/``GET /v1/shows/{name}/brand`` (logo, colours, font, caption style).

A brand belongs to the key's account: another account's show is 404 ``not_found``. The logo
arrives base64-encoded in the JSON body; it is decoded with Pillow (byte and pixel caps first),
scaled to at most ``LOGO_SIDE`` pixels and stored as PNG by content, so only a real image
reaches the renderer. The next render of the show's jobs uses the kit (it is part of the render
cache identity, so clips re-render).
"""

from __future__ import annotations

import base64
import binascii
import io
import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from podclip.api.deps import JobsCreate, JobsRead, SettingsDep, StoresDep
from podclip.api.errors import ApiError, not_found
from podclip.api.routes import ERROR_RESPONSES
from podclip.core.brand import DEFAULT_PRIMARY, DEFAULT_SECONDARY, Brand, valid_colour
from podclip.core.fonts import DEFAULT_FONT, available_fonts
from podclip.core.settings import Settings
from podclip.store import brands
from podclip.store.clip_edits import CAPTION_STYLES
from podclip.store.media import MediaStore, sha256_file

router = APIRouter(tags=["brands"], responses=ERROR_RESPONSES)
LOGO_SIDE = 512
SHOW_NAME_MAX = 200


class BrandIn(BaseModel):
    """A show's brand kit; ``logo_base64`` (PNG, JPEG or WebP) replaces the logo."""

    primary_colour: str = Field(default=DEFAULT_PRIMARY, description="Accent, #RRGGBB.")
    secondary_colour: str = Field(default=DEFAULT_SECONDARY, description="Background, #RRGGBB.")
    font: str = Field(default=DEFAULT_FONT, description="A family from `fonts` in the answer.")
    caption_style: str | None = Field(default=None, description="Default caption style.")
    logo_base64: str | None = Field(default=None, description="A new logo image, base64.")
    remove_logo: bool = Field(default=False, description="Drop the stored logo.")


class BrandOut(BaseModel):
    object: str = "brand"
    show_name: str
    primary_colour: str
    secondary_colour: str
    font: str | None
    caption_style: str | None
    logo_sha256: str | None
    fonts: list[str]
    caption_styles: list[str]


@router.put("/shows/{show_name}/brand", response_model=BrandOut, summary="Set a show's brand kit")
def put_brand(
    show_name: str, body: BrandIn, key: JobsCreate, stores: StoresDep, settings: SettingsDep
) -> dict[str, Any]:
    """Replace the kit; a logo not sent is kept unless ``remove_logo`` is true."""
    name = _show(show_name)
    for param in ("primary_colour", "secondary_colour"):
        if not valid_colour(getattr(body, param)):
            raise _invalid(param, f"{param} must be a #RRGGBB colour.")
    fonts = available_fonts()
    if body.font not in fonts:
        raise _invalid("font", f"font must be one of {', '.join(fonts)}.")
    if body.caption_style is not None and body.caption_style not in CAPTION_STYLES:
        raise _invalid(
            "caption_style", f"caption_style must be one of {', '.join(CAPTION_STYLES)}."
        )
    current = brands.get_brand(stores.engine, key.account_id, name)
    logo = current.brand.logo if current and not body.remove_logo else None
    if body.logo_base64:
        logo = _store_logo(settings, body.logo_base64)
    brand = Brand(
        primary=body.primary_colour.upper(),
        secondary=body.secondary_colour.upper(),
        font=body.font,
        caption_style=body.caption_style,
        logo=logo,
    )
    row = brands.put_brand(stores.engine, key.account_id, name, brand, key.id)
    return _out(row)


@router.get("/shows/{show_name}/brand", response_model=BrandOut, summary="Get a show's brand kit")
def get_brand(
    show_name: str, key: JobsRead, stores: StoresDep, settings: SettingsDep
) -> dict[str, Any]:
    row = brands.get_brand(stores.engine, key.account_id, _show(show_name))
    if row is None:
        raise not_found("brand for show", show_name)
    return _out(row)


def _show(show_name: str) -> str:
    name = show_name.strip()
    if not name or len(name) > SHOW_NAME_MAX:
        raise _invalid("show_name", f"show_name must be 1-{SHOW_NAME_MAX} characters.")
    return name


def _invalid(param: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, param=param)


def _store_logo(settings: Settings, encoded: str) -> str:
    """Decode, check and re-encode the logo; return its media-store key."""
    from PIL import Image, UnidentifiedImageError

    limit = settings.render.logo_max_bytes
    if len(encoded) > limit * 4 // 3 + 4:
        raise _invalid("logo_base64", f"logo_base64 must decode to at most {limit} bytes.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("logo_base64", "logo_base64 is not valid base64.") from None
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in ("PNG", "JPEG", "WEBP"):
                raise _invalid("logo_base64", "The logo must be a PNG, JPEG or WebP image.")
            if image.width * image.height > settings.render.logo_max_pixels:
                raise _invalid("logo_base64", "The logo has too many pixels.")
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise _invalid("logo_base64", "logo_base64 is not a readable image.") from None
    picture.thumbnail((LOGO_SIDE, LOGO_SIDE))
    store = MediaStore.from_settings(settings)
    scratch = store.scratch(f"logo-{uuid.uuid4().hex}.png")
    try:
        picture.save(scratch, format="PNG")
        key = f"brand/{sha256_file(scratch)}.png"
        if not store.exists(key):
            store.put(scratch, key)
        return key
    finally:
        scratch.unlink(missing_ok=True)


def _out(row: brands.BrandRow) -> dict[str, Any]:
    brand = row.brand
    return {
        "object": "brand",
        "show_name": row.show_name,
        "primary_colour": brand.primary,
        "secondary_colour": brand.secondary,
        "font": brand.font,
        "caption_style": brand.caption_style,
        "logo_sha256": brand.logo.removeprefix("brand/").removesuffix(".png")
        if brand.logo
        else None,
        "fonts": available_fonts(),
        "caption_styles": list(CAPTION_STYLES),
    }
