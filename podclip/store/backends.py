"""What changes when podclip leaves one machine: PostgreSQL URLs, S3 credentials, DuckDB set-up.

Everything here is chosen by settings alone: a ``postgresql`` database URL, a ``postgres:``
lake catalog, ``s3://`` media and lake URLs with ``PODCLIP_S3_ENDPOINT`` and the usual
``AWS_*`` variables. Nothing is downloaded: DuckDB extensions come from their PyPI packages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from podclip.core.errors import StoreError
from podclip.core.settings import Settings

if TYPE_CHECKING:
    import duckdb

DUCKDB_VERSION = "v1.5.5"


def is_s3(url: str) -> bool:
    return url.startswith(("s3://", "s3a://"))


def libpq_from_url(url: str) -> str:
    """A libpq key/value string (DuckDB's postgres extension) from a SQLAlchemy URL."""
    parsed = make_url(url)
    parts = {
        "host": parsed.host,
        "port": parsed.port,
        "dbname": parsed.database,
        "user": parsed.username,
        "password": parsed.password,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v not in (None, ""))


def _aws_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def s3_storage_options(settings: Settings) -> dict[str, Any]:
    """fsspec/s3fs options: the endpoint from settings; credentials from the AWS variables."""
    client_kwargs: dict[str, Any] = {"region_name": _aws_region()}
    if settings.s3_endpoint:
        client_kwargs["endpoint_url"] = settings.s3_endpoint
    return {"client_kwargs": client_kwargs}


def extension_path(package: str, name: str) -> Path:
    """Path of a DuckDB extension file shipped inside its PyPI package."""
    module = __import__(package)
    base = Path(str(module.__file__)).resolve().parent
    path = base / "extensions" / DUCKDB_VERSION / f"{name}.duckdb_extension"
    if not path.exists():
        found = sorted(base.rglob(f"{name}.duckdb_extension"))
        if not found:
            raise StoreError(f"DuckDB extension {name} is missing from package {package}")
        path = found[0]
    return path


def _install(conn: duckdb.DuckDBPyConnection, package: str, name: str) -> None:
    conn.execute(f"INSTALL '{extension_path(package, name)}'")
    conn.execute(f"LOAD {name}")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def prepare_duckdb(conn: duckdb.DuckDBPyConnection, settings: Settings, *urls: str) -> None:
    """Load the extensions and S3 secret that ``urls`` (catalogs, data paths) need."""
    if any(u.startswith(("postgres:", "postgresql")) for u in urls):
        _install(conn, "duckdb_extension_postgres", "postgres")
    if any(is_s3(u) for u in urls):
        _install(conn, "duckdb_extension_httpfs", "httpfs")
        conn.execute(f"CREATE OR REPLACE SECRET podclip_s3 ({_s3_secret_options(settings)})")


def _s3_secret_options(settings: Settings) -> str:
    options = {"TYPE": "s3", "REGION": _sql_string(_aws_region())}
    key_id = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    token = os.environ.get("AWS_SESSION_TOKEN")
    if key_id and secret:
        options["KEY_ID"] = _sql_string(key_id)
        options["SECRET"] = _sql_string(secret)
    if token:
        options["SESSION_TOKEN"] = _sql_string(token)
    if settings.s3_endpoint:
        # S3-compatible servers (MinIO, Ceph, moto): path-style addressing, TLS as the URL says.
        endpoint = urlsplit(settings.s3_endpoint)
        options["ENDPOINT"] = _sql_string(endpoint.netloc or endpoint.path)
        options["URL_STYLE"] = "'path'"
        options["USE_SSL"] = "true" if endpoint.scheme == "https" else "false"
    return ", ".join(f"{k} {v}" for k, v in options.items())


def ensure_local_dir(url: str) -> None:
    """Create a local folder URL's folder; object stores need none."""
    if "://" not in url:
        Path(url).mkdir(parents=True, exist_ok=True)
