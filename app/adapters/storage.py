"""Document storage port and its adapters: a local folder, or an S3-compatible bucket (R-DOC-1, quality.md
"Uploads", issue 18).

An upload is written through a writer while it streams in, then committed under a generated name (uuid4 hex, no
extension) or aborted. In the folder the writer fills a temporary file next to the final ones; in a bucket it
sends an S3 multipart upload part by part (only one part is ever held in memory) and aborts it on `abort`.
Nothing here is ever served over HTTP: the folder is outside any served path, the bucket is private, and no
route reads a document back (R-DOC-4). `build_storage` picks the adapter from the settings.

Each adapter also answers `check()` for /readyz: the folder can be written (a probe file created and removed), the
bucket answers a HEAD within a short timeout. `CachedCheck` keeps that answer a few seconds so that load balancers
polling /readyz do not turn into a stream of writes or requests to the store.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import urlsplit

import anyio.to_thread

if TYPE_CHECKING:
    from app.config import Settings

TEMP_PREFIX = ".upload-"
TEMP_SUFFIX = ".part"
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
FLUSH_BYTES = 1024 * 1024  # writes leave the event loop in pieces of about this size
MIN_PART_BYTES = 5 * 1024 * 1024  # S3: every part of a multipart upload but the last is at least 5 MiB
SSE = "AES256"  # server-side encryption requested for every object (SSE-S3)
READY_TIMEOUT_SECONDS = 2.0  # the bucket's readiness probe: at most this long (or PORTAL_STORAGE_TIMEOUT_SECONDS)


class UploadWriter(Protocol):
    """One file being received. `commit` or `abort` ends it; `abort` after `commit` does nothing."""

    async def write(self, data: bytes) -> None: ...

    async def commit(self) -> str: ...

    async def abort(self) -> None: ...


class DocumentStorage(Protocol):
    async def open_writer(self) -> UploadWriter: ...

    async def delete(self, key: str) -> None: ...

    async def check(self) -> str | None:
        """Readiness: None when documents can be stored, otherwise why not (for /readyz)."""
        ...


class CachedCheck:
    """A readiness probe whose answer, good or bad, is kept for `ttl` seconds; concurrent callers share one probe."""

    def __init__(
        self, probe: Callable[[], Awaitable[str | None]], ttl: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._probe = probe
        self._ttl = ttl
        self._now = now
        self._lock = asyncio.Lock()
        self._answer: str | None = None
        self._at: float | None = None

    async def __call__(self) -> str | None:
        async with self._lock:
            if self._at is not None and self._now() - self._at < self._ttl:
                return self._answer
            self._answer = await self._probe()
            self._at = self._now()
            return self._answer


class LocalUploadWriter:
    def __init__(self, root: Path, temp: Path, fh: BinaryIO) -> None:
        self._root = root
        self._temp = temp
        self._fh: BinaryIO | None = fh
        self._buffer = bytearray()
        self.key: str | None = None

    async def write(self, data: bytes) -> None:
        if self._fh is None:
            raise RuntimeError("this upload is already finished")
        self._buffer += data
        if len(self._buffer) >= FLUSH_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        if self._buffer and self._fh is not None:
            await anyio.to_thread.run_sync(self._fh.write, self._buffer)
            self._buffer.clear()

    async def commit(self) -> str:
        """Durably move the temporary file to its generated name; returns that name (the storage key)."""
        if self.key is not None:
            return self.key
        if self._fh is None:
            raise RuntimeError("this upload was aborted")
        await self._flush()
        fh, self._fh = self._fh, None
        key = uuid.uuid4().hex
        final = self._root / key

        def finish() -> None:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.replace(self._temp, final)

        await anyio.to_thread.run_sync(finish)
        self.key = key
        return key

    async def abort(self) -> None:
        """Drop a file that was not committed (too large, rejected, replayed, failed)."""
        if self.key is not None:
            return
        fh, self._fh = self._fh, None
        self._buffer.clear()

        def drop() -> None:
            if fh is not None:
                fh.close()
            self._temp.unlink(missing_ok=True)

        await anyio.to_thread.run_sync(drop)


class LocalFolderStorage:
    """Files in one folder (created if missing), named by uuid4 with no extension."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        if not KEY_RE.match(key):
            raise ValueError("not a storage key")
        return self.root / key

    async def open_writer(self) -> LocalUploadWriter:
        temp = self.root / f"{TEMP_PREFIX}{uuid.uuid4().hex}{TEMP_SUFFIX}"

        def create() -> BinaryIO:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            return os.fdopen(fd, "wb")

        fh = await anyio.to_thread.run_sync(create)
        return LocalUploadWriter(self.root, temp, fh)

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def check(self) -> str | None:
        """The folder exists (created as an upload would create it) and a file can be created in it and removed.
        A real write rather than `os.access`: that says yes to root on a read-only file system."""

        def probe() -> None:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            temp = self.root / f"{TEMP_PREFIX}ready-{uuid.uuid4().hex}{TEMP_SUFFIX}"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            os.close(fd)
            temp.unlink()

        try:
            await anyio.to_thread.run_sync(probe)
        except OSError as exc:
            # The kind of failure, not the path: /readyz is public.
            return f"the upload folder (PORTAL_STORAGE_DIR) cannot be written: {type(exc).__name__}"
        return None


# --- S3-compatible object storage (issue 18) ----------------------------------------------------------------


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ending in "/"

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """`s3://bucket` or `s3://bucket/some/prefix` (objects go under `some/prefix/<key>`)."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("the storage URL must look like s3://bucket or s3://bucket/prefix")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")

    def object_key(self, key: str) -> str:
        if not KEY_RE.match(key):
            raise ValueError("not a storage key")
        return self.prefix + key


class S3UploadWriter:
    """One upload into the bucket. Bytes gather in a buffer of one part; a full buffer starts the multipart upload
    (on first need) and is sent as a part. `commit` sends the rest as the last part and completes the upload, or,
    when the whole file fits in one part, stores it with a single PUT. `abort` aborts a started multipart upload,
    so the store keeps neither the object nor the parts."""

    def __init__(self, client: Any, location: S3Location, part_bytes: int) -> None:
        self._client = client
        self._bucket = location.bucket
        self._name = uuid.uuid4().hex
        self._object_key = location.object_key(self._name)
        self._part_bytes = part_bytes
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._open = True
        self.key: str | None = None

    @property
    def object_key(self) -> str:
        return self._object_key

    async def write(self, data: bytes) -> None:
        if not self._open:
            raise RuntimeError("this upload is already finished")
        self._buffer += data
        if len(self._buffer) >= self._part_bytes:
            await self._send_part()

    async def _send_part(self) -> None:
        body, self._buffer = bytes(self._buffer), bytearray()
        if self._upload_id is None:
            started = await anyio.to_thread.run_sync(
                lambda: self._client.create_multipart_upload(
                    Bucket=self._bucket,
                    Key=self._object_key,
                    ServerSideEncryption=SSE,
                    ContentType="application/octet-stream",
                )
            )
            self._upload_id = str(started["UploadId"])
        upload_id, number = self._upload_id, len(self._parts) + 1
        sent = await anyio.to_thread.run_sync(
            lambda: self._client.upload_part(
                Bucket=self._bucket, Key=self._object_key, UploadId=upload_id, PartNumber=number, Body=body
            )
        )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def commit(self) -> str:
        """Complete the object under its generated name; returns that name (the storage key)."""
        if self.key is not None:
            return self.key
        if not self._open:
            raise RuntimeError("this upload was aborted")
        try:
            if self._upload_id is None:
                body, self._buffer = bytes(self._buffer), bytearray()
                await anyio.to_thread.run_sync(
                    lambda: self._client.put_object(
                        Bucket=self._bucket,
                        Key=self._object_key,
                        Body=body,
                        ServerSideEncryption=SSE,
                        ContentType="application/octet-stream",
                    )
                )
            else:
                if self._buffer:
                    await self._send_part()
                upload_id, parts = self._upload_id, list(self._parts)
                await anyio.to_thread.run_sync(
                    lambda: self._client.complete_multipart_upload(
                        Bucket=self._bucket,
                        Key=self._object_key,
                        UploadId=upload_id,
                        MultipartUpload={"Parts": parts},
                    )
                )
        except BaseException:
            await self.abort()
            raise
        self._open = False
        self.key = self._name
        return self._name

    async def abort(self) -> None:
        """Drop an upload that was not committed (too large, rejected, replayed, failed)."""
        if self.key is not None:
            return
        self._open = False
        self._buffer = bytearray()
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            with anyio.CancelScope(shield=True):  # a cancelled request still leaves no parts behind
                await anyio.to_thread.run_sync(
                    lambda: self._client.abort_multipart_upload(
                        Bucket=self._bucket, Key=self._object_key, UploadId=upload_id
                    )
                )


class S3Storage:
    """Objects in one bucket under an optional prefix, named by uuid4 hex, encrypted at rest by the store (SSE-S3).
    boto3's client is thread-safe; its blocking calls run in worker threads."""

    def __init__(
        self,
        client: Any,
        location: S3Location,
        *,
        part_bytes: int = MIN_PART_BYTES,
        probe_client: Any = None,
        probe_timeout: float = READY_TIMEOUT_SECONDS,
    ) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"S3 multipart parts are at least {MIN_PART_BYTES} bytes")
        self.client = client
        self.location = location
        self.part_bytes = part_bytes
        # Readiness asks through a client of its own: short timeouts and no retries (the uploads' client waits
        # PORTAL_STORAGE_TIMEOUT_SECONDS and retries, too slow for a health probe).
        self.probe_client = probe_client if probe_client is not None else client
        self.probe_timeout = probe_timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        import boto3  # imported only when a bucket is configured
        from botocore.config import Config

        secret = settings.storage_secret_access_key.get_secret_value()
        session = boto3.session.Session()
        probe_timeout = min(settings.storage_timeout_seconds, READY_TIMEOUT_SECONDS)

        def client(timeout: float, retries: int) -> Any:
            return session.client(
                "s3",
                endpoint_url=settings.storage_endpoint_url or None,
                region_name=settings.storage_region or None,
                aws_access_key_id=settings.storage_access_key_id or None,
                aws_secret_access_key=secret or None,
                config=Config(
                    connect_timeout=timeout,
                    read_timeout=timeout,
                    retries={"max_attempts": retries, "mode": "standard"},  # retries after the first try
                    s3={"addressing_style": "path" if settings.storage_endpoint_url else "auto"},
                ),
            )

        return cls(
            client(settings.storage_timeout_seconds, 3),
            S3Location.parse(settings.storage_url),
            part_bytes=settings.storage_part_bytes,
            probe_client=client(probe_timeout, 0),
            probe_timeout=probe_timeout,
        )

    async def open_writer(self) -> S3UploadWriter:
        return S3UploadWriter(self.client, self.location, self.part_bytes)

    async def delete(self, key: str) -> None:
        object_key = self.location.object_key(key)
        await anyio.to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.location.bucket, Key=object_key)
        )  # deleting a missing object succeeds

    async def check(self) -> str | None:
        """The bucket answers a HEAD (it exists and these credentials may use it) within the probe timeout."""
        bucket = self.location.bucket
        try:
            await asyncio.wait_for(
                anyio.to_thread.run_sync(lambda: self.probe_client.head_bucket(Bucket=bucket), abandon_on_cancel=True),
                timeout=self.probe_timeout * 2,  # connect and read timeouts bound it already; this is a backstop
            )
        except TimeoutError:
            return f"the bucket {bucket!r} did not answer within {self.probe_timeout * 2:g} s"
        except Exception as exc:
            response = getattr(exc, "response", None)
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(response, dict) else None
            if status is not None:
                return f"the bucket {bucket!r} answered HTTP {status} (404: no such bucket; 403: access denied)"
            return f"the bucket {bucket!r} is not reachable: {type(exc).__name__}"
        return None


def build_storage(settings: Settings) -> DocumentStorage:
    """The bucket of `PORTAL_STORAGE_URL` when set, else the folder `PORTAL_STORAGE_DIR`."""
    if settings.storage_url:
        return S3Storage.from_settings(settings)
    return LocalFolderStorage(settings.storage_dir)
