"""A real S3 server on loopback for the media-in-a-bucket tests: moto's server mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from config.settings.base import s3_media_storages
from tests.servers import free_port

BUCKET = "shopreel-media"
URL_SECONDS = 120
_KEYS = {"access_key": "test-key", "secret_key": "test-secret"}


@contextmanager
def s3_server() -> Iterator[tuple[str, object]]:
    """moto's S3 on 127.0.0.1 with one empty private bucket; yields (endpoint URL, boto3 client)."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id=_KEYS["access_key"], aws_secret_access_key=_KEYS["secret_key"])
        client.create_bucket(Bucket=BUCKET)
        yield endpoint, client
    finally:
        server.stop()


def s3_media_use(settings, endpoint: str) -> None:
    """Switch the test's media to the bucket (SHOPREEL_MEDIA_STORAGE=s3), as the settings would."""
    settings.SHOPREEL_MEDIA_STORAGE = "s3"
    settings.SHOPREEL_MEDIA_S3_URL_SECONDS = URL_SECONDS
    settings.STORAGES = s3_media_storages(
        bucket=BUCKET, endpoint_url=endpoint, region="us-east-1", url_seconds=URL_SECONDS, **_KEYS
    )
