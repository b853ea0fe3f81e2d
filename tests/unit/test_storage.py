"""The local-folder document storage: temporary file while streaming, generated names, abort and delete."""

from __future__ import annotations

import asyncio
import re
import stat
from pathlib import Path

import pytest

from app.adapters.storage import (
    FLUSH_BYTES,
    MIN_PART_BYTES,
    CachedCheck,
    LocalFolderStorage,
    S3Location,
    S3Storage,
    build_storage,
)
from app.config import Settings


def files(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


async def test_commit_moves_the_temporary_file_to_a_generated_name(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet" / "there"
    storage = LocalFolderStorage(root)
    writer = await storage.open_writer()
    assert root.is_dir()  # created on demand
    [temp] = files(root)
    assert temp.startswith(".upload-") and temp.endswith(".part")
    data = b"%PDF-" + bytes(range(256)) * (FLUSH_BYTES // 256 + 7)
    for i in range(0, len(data), 10_000):
        await writer.write(data[i : i + 10_000])
    key = await writer.commit()
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert files(root) == [key]  # no extension, no temporary file left
    assert (root / key).read_bytes() == data
    assert stat.S_IMODE((root / key).stat().st_mode) == 0o600
    assert await writer.commit() == key  # committing twice is harmless
    await writer.abort()  # aborting after commit does nothing
    assert storage.path_of(key).exists()


async def test_abort_removes_the_temporary_file(tmp_path: Path) -> None:
    storage = LocalFolderStorage(tmp_path)
    writer = await storage.open_writer()
    await writer.write(b"x" * (FLUSH_BYTES + 1))
    await writer.abort()
    await writer.abort()
    assert files(tmp_path) == []
    with pytest.raises(RuntimeError):
        await writer.write(b"more")


async def test_names_never_repeat_and_delete_removes_one(tmp_path: Path) -> None:
    storage = LocalFolderStorage(tmp_path)
    keys = []
    for n in range(3):
        w = await storage.open_writer()
        await w.write(bytes([n]))
        keys.append(await w.commit())
    assert len(set(keys)) == 3
    await storage.delete(keys[0])
    await storage.delete(keys[0])  # already gone: fine
    assert files(tmp_path) == sorted(keys[1:])


@pytest.mark.parametrize("key", ["../etc/passwd", "abc", "A" * 32, ".upload-x.part"])
async def test_only_generated_names_can_be_addressed(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        await LocalFolderStorage(tmp_path).delete(key)


# --- the S3 adapter's pure parts (issue 18; the adapter itself: tests/integration/test_s3_storage.py) ----------


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://docs", "docs", ""),
        ("s3://docs/", "docs", ""),
        ("s3://docs/portal", "docs", "portal/"),
        ("s3://docs/carrier/portal/", "docs", "carrier/portal/"),
    ],
)
def test_a_storage_url_names_a_bucket_and_a_prefix(url: str, bucket: str, prefix: str) -> None:
    location = S3Location.parse(url)
    assert (location.bucket, location.prefix) == (bucket, prefix)
    key = "0123456789abcdef0123456789abcdef"
    assert location.object_key(key) == prefix + key
    with pytest.raises(ValueError):
        location.object_key("../other")


@pytest.mark.parametrize("url", ["docs", "s3:///prefix", "https://docs.example/x", "s3://docs/p?x=1", "/var/uploads"])
def test_a_storage_url_that_is_not_s3_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValueError, match="PORTAL_STORAGE_URL"):
        Settings(storage_url=url)


def test_the_storage_is_the_folder_unless_a_bucket_is_named(tmp_path: Path) -> None:
    folder = build_storage(Settings(storage_dir=str(tmp_path)))
    assert isinstance(folder, LocalFolderStorage) and folder.root == tmp_path
    bucket = build_storage(
        Settings(
            storage_url="s3://docs/portal",
            storage_endpoint_url="http://127.0.0.1:1",
            storage_region="eu-west-1",
            storage_access_key_id="id",
            storage_secret_access_key="secret",  # type: ignore[arg-type]
            storage_part_bytes=8 * 1024 * 1024,
        )
    )
    assert isinstance(bucket, S3Storage)
    assert (bucket.location.bucket, bucket.location.prefix, bucket.part_bytes) == ("docs", "portal/", 8 * 1024 * 1024)
    assert bucket.client.meta.endpoint_url == "http://127.0.0.1:1" and bucket.client.meta.region_name == "eu-west-1"
    assert "wJalrXUtnFEMI" not in repr(Settings(storage_secret_access_key="wJalrXUtnFEMI"))  # type: ignore[arg-type]


def test_parts_smaller_than_s3_allows_are_refused() -> None:
    with pytest.raises(ValueError):
        Settings(storage_part_bytes=MIN_PART_BYTES - 1)
    with pytest.raises(ValueError):
        S3Storage(object(), S3Location.parse("s3://docs"), part_bytes=MIN_PART_BYTES - 1)


async def test_a_readiness_answer_is_kept_for_its_period_and_shared_by_concurrent_callers() -> None:
    now = [100.0]
    calls: list[float] = []
    answers = iter([None, "the bucket 'docs' answered HTTP 403", None])

    async def probe() -> str | None:
        calls.append(now[0])
        await asyncio.sleep(0.01)  # callers arriving meanwhile wait for this probe instead of starting their own
        return next(answers)

    check = CachedCheck(probe, ttl=5.0, now=lambda: now[0])
    assert await asyncio.gather(check(), check(), check()) == [None, None, None]
    now[0] += 4.9
    assert await check() is None and len(calls) == 1  # kept: still within 5 s
    now[0] += 0.2
    assert await check() == "the bucket 'docs' answered HTTP 403"  # probed again; a failure is kept too
    now[0] += 1
    assert await check() == "the bucket 'docs' answered HTTP 403" and len(calls) == 2
    now[0] += 5
    assert await check() is None and calls == pytest.approx([100.0, 105.1, 111.1])


async def test_a_folder_that_can_be_written_is_ready_and_keeps_no_probe_file(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    storage = LocalFolderStorage(root)
    assert await storage.check() is None
    assert files(root) == []
    (tmp_path / "file").write_bytes(b"x")
    assert await LocalFolderStorage(tmp_path / "file").check() == (
        "the upload folder (PORTAL_STORAGE_DIR) cannot be written: FileExistsError"
    )


def test_the_bucket_probe_has_its_own_short_timeout_and_no_retries() -> None:
    bucket = build_storage(
        Settings(storage_url="s3://docs", storage_endpoint_url="http://127.0.0.1:1", storage_timeout_seconds=30)
    )
    assert isinstance(bucket, S3Storage) and bucket.probe_client is not bucket.client
    uploads = bucket.client.meta.config
    assert (uploads.connect_timeout, uploads.retries["total_max_attempts"]) == (30, 4)
    probe = bucket.probe_client.meta.config
    assert (probe.connect_timeout, probe.read_timeout, probe.retries["total_max_attempts"]) == (2.0, 2.0, 1)
    assert bucket.probe_timeout == 2.0
    quick = build_storage(Settings(storage_url="s3://docs", storage_timeout_seconds=0.5))
    assert isinstance(quick, S3Storage) and quick.probe_timeout == 0.5
