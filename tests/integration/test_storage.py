"""Storage backends (a directory, and S3 on moto's server): create-only, checksummed, verified, idempotent."""

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from svs.errors import ObjectConflict, StoreError
from svs.storage import DirStore, Store, open_store


@pytest.fixture(params=["dir", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "dir":
        return open_store(str(tmp_path / "store"))
    return open_store(request.getfixturevalue("s3_store_url"))


def test_put_returns_key_sha256_size_and_role(store: Store) -> None:
    obj = store.put("batches/b1/originals/abc.jpg", b"pixels", "original", "image/jpeg")
    assert obj.key == "batches/b1/originals/abc.jpg"
    assert obj.sha256 == hashlib.sha256(b"pixels").hexdigest() and obj.bytes == 6 and obj.role == "original"
    assert store.get(obj.key) == b"pixels"


def test_writing_the_same_object_twice_is_success_and_changes_nothing(store: Store) -> None:
    first = store.put("a/b.json", b"{}", "manifest")
    second = store.put("a/b.json", b"{}", "manifest")
    assert first == second
    assert store.list("a/") == ["a/b.json"]


def test_an_existing_object_is_never_overwritten(store: Store) -> None:
    store.put("a/b.bin", b"first", "original")
    with pytest.raises(ObjectConflict):
        store.put("a/b.bin", b"second", "original")
    assert store.get("a/b.bin") == b"first"


def test_missing_object_is_a_key_error(store: Store) -> None:
    with pytest.raises(KeyError):
        store.get("nope/x")
    assert not store.exists("nope/x")


def test_list_is_sorted_and_limited_to_the_prefix(store: Store) -> None:
    for key in ("p/2", "p/1", "q/1", "p/sub/3"):
        store.put(key, key.encode(), "x")
    assert store.list("p/") == ["p/1", "p/2", "p/sub/3"]


def test_children_are_the_folders_one_level_under_the_prefix(store: Store) -> None:
    for key in ("c/a/1", "c/a/sub/2", "c/b/3", "c/file", "d/x/1"):
        store.put(key, key.encode(), "x")
    assert store.children("c/") == ["a", "b"]
    assert store.children("c/a/") == ["sub"]
    assert store.children("none/") == []


def test_dir_store_key_is_the_path_under_its_root(tmp_path: Path) -> None:
    store = DirStore(tmp_path)
    store.put("batches/x/y.txt", b"1", "x")
    assert (tmp_path / "batches" / "x" / "y.txt").read_bytes() == b"1"
    assert not [p for p in tmp_path.rglob(".tmp-*")]


@pytest.mark.parametrize("key", ["../escape", "/abs/path", "a/../../b", "a//b", ""])
def test_dir_store_refuses_keys_that_leave_its_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(StoreError):
        DirStore(tmp_path / "root").put(key, b"x", "x")


def test_s3_writes_send_if_none_match_sha256_checksum_and_encryption(s3_store_url: str, s3_endpoint: str) -> None:
    import base64

    import boto3

    from svs.storage.s3 import S3Store

    store = open_store(s3_store_url)
    assert isinstance(store, S3Store)
    sent: list[dict[str, str]] = []
    store._s3.meta.events.register("before-send.s3.PutObject",
                                   lambda request, **_: sent.append(dict(request.headers)))
    store.put("k/1", b"data", "original")
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in sent[0].items()}
    assert headers["if-none-match"] == "*"
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(hashlib.sha256(b"data").digest()).decode()
    assert headers["x-amz-server-side-encryption"] == "AES256"
    bucket, prefix = s3_store_url[5:].split("/", 1)
    head = boto3.client("s3", endpoint_url=s3_endpoint).head_object(Bucket=bucket, Key=f"{prefix}/k/1")
    assert head["ServerSideEncryption"] == "AES256"


@pytest.mark.parametrize("url, kind", [("./x", "DirStore"), ("file:///tmp/x", "DirStore"), ("s3://bkt/p", "S3Store")])
def test_store_urls(url: str, kind: str, s3_endpoint: str) -> None:
    assert type(open_store(url)).__name__ == kind


def test_unknown_store_scheme_is_a_configuration_error() -> None:
    from svs.errors import ConfigError

    with pytest.raises(ConfigError):
        open_store("ftp://host/x")


def test_concurrent_writers_of_the_same_key_leave_one_object(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = DirStore(tmp_path)
    puts: list[Callable[[], object]] = [lambda: store.put("same/key", b"same bytes", "x") for _ in range(16)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda f: f(), puts))
    assert len({r.sha256 for r in results}) == 1  # type: ignore[attr-defined]
    assert store.list("same/") == ["same/key"]


def test_dir_store_reads_never_follow_a_link_or_read_anything_but_a_regular_file(tmp_path: Path) -> None:
    import os

    secret = tmp_path / "outside.txt"
    secret.write_text("not the store's")
    store = DirStore(tmp_path / "store")
    store.put("batches/b1/items/real.json", b"{}", "manifest")
    items = tmp_path / "store" / "batches" / "b1" / "items"
    (items / "link.json").symlink_to(secret)
    (tmp_path / "store" / "batches" / "b2").symlink_to(tmp_path)  # a linked folder
    os.mkfifo(items / "fifo.json")
    (items / "zero.json").symlink_to("/dev/zero")
    for key in ("batches/b1/items/link.json", "batches/b2/outside.txt", "batches/b1/items/fifo.json",
                "batches/b1/items/zero.json"):
        with pytest.raises(KeyError):  # refused at once: reading the FIFO or /dev/zero would never end
            store.get(key)
        assert not store.exists(key), key
    assert store.get("batches/b1/items/real.json") == b"{}"
    assert store.list("batches/") == ["batches/b1/items/fifo.json", "batches/b1/items/real.json"]
    assert store.list("batches/b2/") == []
    assert store.children("batches/") == ["b1"]  # the linked folder is not one of the store's


def _bucket(s3_endpoint: str, locked: bool) -> str:
    import uuid

    import boto3

    name = f"svs-ret-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket=name, ObjectLockEnabledForBucket=locked)
    return name


def test_with_retention_configured_every_object_is_locked_until_its_date_where_the_bucket_can(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    import boto3

    monkeypatch.setenv("SVS_RETENTION_DAYS", "30")
    monkeypatch.setenv("SVS_RETENTION_MODE", "compliance")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    locked, plain = _bucket(s3_endpoint, True), _bucket(s3_endpoint, False)
    for bucket in (locked, plain):
        open_store(f"s3://{bucket}/svs").put("batches/b/items/0001/result.json", b"{}", "manifest")
    head = s3.head_object(Bucket=locked, Key="svs/batches/b/items/0001/result.json")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert abs(head["ObjectLockRetainUntilDate"] - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    with pytest.raises(s3.exceptions.ClientError):  # not even its owner removes it before the date
        s3.delete_object(Bucket=locked, Key="svs/batches/b/items/0001/result.json", VersionId=head["VersionId"])
    # a bucket without Object Lock is used as it is (with a warning): storing is never refused for it
    assert "ObjectLockMode" not in s3.head_object(Bucket=plain, Key="svs/batches/b/items/0001/result.json")


@pytest.mark.parametrize(("days", "mode"), [("x", "governance"), ("0", "governance"), ("30", "forever")])
def test_a_retention_setting_svs_cannot_apply_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, days: str, mode: str
) -> None:
    from svs.errors import ConfigError

    monkeypatch.setenv("SVS_RETENTION_DAYS", days)
    monkeypatch.setenv("SVS_RETENTION_MODE", mode)
    with pytest.raises(ConfigError):
        open_store(str(tmp_path / "store"))
