"""S3Store: any S3-compatible endpoint (AWS, MinIO, Ceph) through plain boto3.

Writes are create-only (``If-None-Match: *``), carry a SHA-256 checksum the server verifies, ask for
server-side encryption, and are read back. The endpoint comes from ``SVS_S3_ENDPOINT_URL``; credentials
from the usual AWS variables.
"""

from __future__ import annotations

import base64
import builtins
import os
from typing import Any

from svs.errors import StoreError, TransientStoreError
from svs.log import get_logger
from svs.storage import retention
from svs.storage.base import Store

log = get_logger("svs.storage.s3")
#: The user metadata (``x-amz-meta-svs-signature``) an object's signature is written in, with the object.
SIGNATURE_METADATA = "svs-signature"

_TRANSIENT_CODES = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "ConditionalRequestConflict",
                    "503", "500", "502", "504"}


def _client(endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 4, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        s3={"addressing_style": "path"},
    )
    return boto3.client("s3", endpoint_url=endpoint_url, config=config,
                        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))


class S3Store(Store):
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 sse: str | None = "AES256") -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.sse = sse
        self.url = f"s3://{bucket}/{self.prefix}"
        self._s3 = _client(endpoint_url)
        self.retention = retention.from_env()
        self._locked: bool | None = None  # whether the bucket has Object Lock, asked once

    def object_lock(self) -> bool:
        """Whether objects are written with Object Lock retention: retention configured and the bucket able."""
        if self.retention is None:
            return False
        if self._locked is None:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                conf = self._s3.get_object_lock_configuration(Bucket=self.bucket)
                self._locked = conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
            except ClientError as exc:
                if int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0) >= 500:
                    raise self._translate(exc) from exc
                self._locked = False
            except BotoCoreError as exc:
                raise self._translate(exc) from exc
            if not self._locked:
                log.warning("SVS_RETENTION_DAYS is set but the bucket has no Object Lock: objects are stored "
                            "without retention", extra={"count": 1})
        return self._locked

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _translate(self, exc: Exception) -> Exception:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in _TRANSIENT_CODES or status >= 500:
                return TransientStoreError(f"S3 {status or code}")
            return StoreError(f"S3 {status} {code}")
        if isinstance(exc, BotoCoreError):
            return TransientStoreError(f"S3 connection: {type(exc).__name__}")
        return exc

    inline_signatures = True

    def _create(self, key: str, data: bytes, sha256: str, content_type: str, signature: bytes | None = None,
                ) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "Body": data,
            "IfNoneMatch": "*",
            "ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256)).decode(),
            "ContentType": content_type,
        }
        if self.sse:
            args["ServerSideEncryption"] = self.sse
        if signature is not None:
            args["Metadata"] = {SIGNATURE_METADATA: signature.decode("ascii")}
        if self.retention is not None and self.object_lock():
            args["ChecksumAlgorithm"] = "SHA256"  # Object Lock asks for the checksum's algorithm to be named
            args["ObjectLockMode"] = self.retention.mode
            args["ObjectLockRetainUntilDate"] = self.retention.until()
        try:
            self._s3.put_object(**args)
            return True
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if status == 412 or code == "PreconditionFailed":
                return False
            raise self._translate(exc) from exc
        except BotoCoreError as exc:
            raise self._translate(exc) from exc

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            obj = self._s3.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(obj["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from None
            raise self._translate(exc) from exc
        except BotoCoreError as exc:
            raise self._translate(exc) from exc

    def _head(self, key: str) -> dict[str, Any] | None:
        """The object's HEAD response, or None where there is no object."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return dict(self._s3.head_object(Bucket=self.bucket, Key=self._key(key)))
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise self._translate(exc) from exc
        except BotoCoreError as exc:
            raise self._translate(exc) from exc

    def signature(self, key: str) -> bytes | None:
        """From the object's metadata, where it was written with the object; else an object beside it."""
        head = self._head(key)
        if head is None:
            return None
        inline = head.get("Metadata", {}).get(SIGNATURE_METADATA)
        return inline.encode("ascii") if inline else super().signature(key)

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def list(self, prefix: str) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        out: list[str] = []
        try:
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self._key(prefix)):
                out.extend(obj["Key"][len(self.prefix):] for obj in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._translate(exc) from exc
        return sorted(out)

    def children(self, prefix: str) -> builtins.list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        names: list[str] = []
        try:
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Delimiter="/",
                                                                          Prefix=self._key(prefix)):
                names.extend(p["Prefix"][len(self._key(prefix)):].rstrip("/") for p in page.get("CommonPrefixes", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._translate(exc) from exc
        return sorted(names)

    def check(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._s3.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._translate(exc) from exc
