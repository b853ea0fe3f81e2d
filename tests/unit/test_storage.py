"""The local-folder document storage: temporary file while streaming, generated names, abort and delete."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from app.adapters.storage import (
    FLUSH_BYTES,
    MIN_PART_BYTES,
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
