"""Where media live, for code that reads or writes them by path (ffmpeg, PIL, cv2).

``SHOPREEL_MEDIA_STORAGE`` picks the store behind Django's default storage (the FileFields of
product photos, brand kits and rendered outputs):

- ``local``: files under ``MEDIA_ROOT``; every function here is the plain path, and nothing
  moves or is copied.
- ``s3``: private objects in a bucket (django-storages' S3Storage), for web and worker hosts on
  several machines. Workers still make their working files (shots' clips, ``.part`` files,
  frames) on their own disk under ``MEDIA_ROOT``; what others must see (photos, finished ads)
  is put in the store.

``local_path(name)`` gives a stored file as a local path for one use; ``downloads()`` opens a
folder that ``fetch(name)`` fills for a whole stage (the render reads the same photos in every
format) and removes at its end; ``store_file(path, name)`` publishes a finished file and returns
the name it got. ``signed_url`` is what the checked views redirect to with ``s3``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

_downloads: ContextVar[Path | None] = ContextVar("shopreel_media_downloads", default=None)


def is_remote() -> bool:
    """True when media live in an object store, not under MEDIA_ROOT."""
    return settings.SHOPREEL_MEDIA_STORAGE == "s3"


def _relative(name: str) -> PurePosixPath:
    relative = PurePosixPath(name)
    if not name or relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"not a storage name: {name!r}")
    return relative


def _download(name: str, folder: Path) -> Path:
    """``name`` copied from the store into ``folder`` (a path that does not exist when the
    store has no such object: the reader then fails as it would on a missing local file)."""
    target = folder / _relative(name)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.download")
    try:
        with default_storage.open(name, "rb") as source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
    except FileNotFoundError:
        partial.unlink(missing_ok=True)
        logger.warning("media: stored file missing", extra={"storage_name": name})
        return target
    os.replace(partial, target)
    return target


def _work_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "work"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def downloads() -> Iterator[None]:
    """For the ``with`` block, ``fetch`` downloads into one temporary folder (each name once),
    removed at the end. With local storage it does nothing."""
    if not is_remote():
        yield
        return
    with tempfile.TemporaryDirectory(prefix="downloads-", dir=_work_dir()) as folder:
        token = _downloads.set(Path(folder))
        try:
            yield
        finally:
            _downloads.reset(token)


def fetch(name: str) -> Path:
    """A local path holding stored file ``name``: ``MEDIA_ROOT/name`` with local storage, or
    when this host wrote it there itself (a shot's clip); else a download into the folder of the
    enclosing ``downloads()`` block. With remote storage, a name that is absolute or holds
    ``..`` raises ValueError."""
    if not is_remote():
        return Path(settings.MEDIA_ROOT) / name  # as every reader joined it before
    local = Path(settings.MEDIA_ROOT) / _relative(name)
    if local.is_file():
        return local
    folder = _downloads.get()
    if folder is None:
        raise RuntimeError("media.fetch() with remote storage needs an enclosing downloads() block")
    return _download(name, folder)


@contextlib.contextmanager
def local_path(name: str) -> Iterator[Path]:
    """Stored file ``name`` as a local path for the ``with`` block (a download, removed after,
    with remote storage)."""
    if _downloads.get() is not None or not is_remote():
        yield fetch(name)
        return
    with downloads():
        yield fetch(name)


def store_file(path: Path, name: str, *, keep_local: bool = False) -> str:
    """Publish the finished file at ``path`` as ``name``; returns the name it is stored under.

    Local storage: the file is moved to ``MEDIA_ROOT/name`` (nothing to do when it is there).
    Remote storage: it is uploaded (a name already taken gets a new one, as Django's storages
    do); the local file is then removed unless ``keep_local`` (a clip this host renders from)."""
    target = Path(settings.MEDIA_ROOT) / _relative(name)
    if not is_remote():
        if Path(path).resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        return name
    with open(path, "rb") as handle:
        stored = default_storage.save(name, File(handle, name=PurePosixPath(name).name))
    logger.info("media: stored", extra={"storage_name": stored, "bytes": Path(path).stat().st_size})
    if not keep_local:
        Path(path).unlink(missing_ok=True)
    return stored


def signed_url(stored, *, content_type: str, download: bool, filename: str) -> str:
    """A presigned GET URL of a stored file in the object store, good for
    ``SHOPREEL_MEDIA_S3_URL_SECONDS``, with the type and file name the checked view would send.

    With ``SHOPREEL_MEDIA_S3_PUBLIC_URL`` the link is signed for that address (the one the
    browsers reach) rather than the endpoint the hosts use: a presigned URL's signature
    covers its host, so it cannot be rewritten afterwards.
    """
    disposition = "attachment" if download else "inline"
    parameters = {
        "ResponseContentType": content_type,
        "ResponseContentDisposition": f'{disposition}; filename="{filename}"',
    }
    storage, seconds = stored.storage, settings.SHOPREEL_MEDIA_S3_URL_SECONDS
    public = settings.SHOPREEL_MEDIA_S3_PUBLIC_URL
    if not public:
        return storage.url(stored.name, parameters=parameters, expire=seconds)
    from storages.utils import clean_name

    return _public_signer(
        public, storage.region_name, storage.access_key, storage.secret_key, storage.client_config
    ).generate_presigned_url(
        "get_object",
        # the key as django-storages' own url() makes it
        Params={
            "Bucket": storage.bucket_name,
            "Key": storage._normalize_name(clean_name(stored.name)),
            **parameters,
        },
        ExpiresIn=seconds,
    )


@functools.lru_cache(maxsize=4)
def _public_signer(endpoint: str, region: str, access_key: str, secret_key: str, config):
    """A boto3 client that only signs links (no request is sent) for ``endpoint``."""
    import boto3

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def store_check() -> None:
    """Raises unless the object store answers with our keys (the readiness check)."""
    default_storage.exists(".readyz-probe")
