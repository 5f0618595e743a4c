"""An S3-compatible server on loopback for tests: moto's standalone server over real HTTP.

``with run_s3_server() as s3: ...`` starts ``moto_server`` on a free 127.0.0.1 port, creates
the bucket and yields the endpoint plus the environment podclip needs to use it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "podclip-test",
    "AWS_SECRET_ACCESS_KEY": "podclip-test-secret",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str

    @property
    def env(self) -> dict[str, str]:
        """Settings that put media and the lake's data files in the bucket."""
        return {
            **CREDENTIALS,
            "PODCLIP_S3_ENDPOINT": self.endpoint,
            "PODCLIP_MEDIA_URL": f"s3://{self.bucket}/media",
            "PODCLIP_LAKE_DATA_URL": f"s3://{self.bucket}/lake/",
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=CREDENTIALS["AWS_REGION"],
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key under ``prefix``."""
        paginator = self.client().get_paginator("list_objects_v2")
        return [
            obj["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for obj in page.get("Contents", [])
        ]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def run_s3_server(log: Path, bucket: str = "podclip") -> Iterator[S3Server]:
    """Start moto's server, create ``bucket``, stop the server afterwards."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto_server exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{endpoint}/moto-api/", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto_server not ready in 30 s:\n{log.read_text()}")
            time.sleep(0.2)
        server = S3Server(endpoint=endpoint, bucket=bucket)
        server.client().create_bucket(Bucket=bucket)
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
