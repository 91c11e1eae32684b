"""An S3-compatible object store (AWS S3, MinIO, R2, GCS's S3 API) through boto3.

boto3 is the optional `s3` extra, imported only when an `s3://` remote is used; without it
the error says what to install. Credentials come from the usual AWS environment and files;
the endpoint from the remote's `endpoint` parameter or `AWS_ENDPOINT_URL` (read by the CLI
and passed in: core reads no environment).

The compare-and-swap a push moves refs by is S3's conditional write: `PutObject` with
`If-None-Match: *` to create the manifest, `If-Match: <etag>` to replace it. A store that
does not enforce them is unsafe for concurrent pushers; AWS S3 enforces both since 2024 and
moto's server does too (tests/core/test_remote_s3.py proves the lost race is refused).
Every client error becomes a one-line dl error: unreachable endpoint, wrong credentials,
missing bucket.
"""
from __future__ import annotations

from typing import Any

from dl.core.errors import DlError, NotFound, StoreError
from dl.core.remotes.objects import TransferStats
from dl.core.store import faults

PRECONDITION = ("PreconditionFailed", "412", "ConditionalRequestConflict")


_loader: Any = None


def _client(endpoint: str | None, region: str | None = None, profile: str | None = None) -> Any:
    """A client on a session of its own (a session caches credentials for its life, so a
    long-lived process sees changed credentials), sharing one loader of botocore's service
    models: a second client then costs ~10 ms instead of ~300."""
    global _loader
    try:
        import boto3
        import botocore.exceptions
        import botocore.session
        from botocore.config import Config
    except ImportError:
        raise DlError("s3:// remotes need boto3: pip install 'dl[s3]' (or pip install boto3)") from None
    core = botocore.session.Session()
    if _loader is None:
        _loader = core.get_component("data_loader")
    else:
        core.register_component("data_loader", _loader)
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5,
                    read_timeout=60)
    try:
        session = boto3.session.Session(botocore_session=core, region_name=region, profile_name=profile)
        return session.client("s3", endpoint_url=endpoint or None, config=config)
    except botocore.exceptions.ProfileNotFound:
        raise StoreError(f"AWS profile not found: {profile} (see ~/.aws/config)") from None


class S3Objects:
    """Objects under `s3://bucket/prefix/`."""

    def __init__(self, bucket: str, prefix: str, endpoint: str | None = None,
                 region: str | None = None, profile: str | None = None) -> None:
        self.bucket, self.prefix, self.endpoint = bucket, prefix.strip("/"), endpoint
        self.stats = TransferStats()
        self._s3 = _client(endpoint, region, profile)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> tuple[bytes, str] | None:
        try:
            found = self._call(self._s3.get_object, Bucket=self.bucket, Key=self._key(key))
        except _MissingKey:
            return None
        data = found["Body"].read()
        self.stats.bytes_received += len(data)
        return data, str(found["ETag"])

    def get_range(self, key: str, start: int, length: int) -> bytes:
        found = self._call(self._s3.get_object, Bucket=self.bucket, Key=self._key(key),
                           Range=f"bytes={start}-{start + length - 1}")
        data: bytes = found["Body"].read()
        self.stats.bytes_received += len(data)
        return data

    def put(self, key: str, data: bytes) -> None:
        faults.reach("remote-put")
        self._call(self._s3.put_object, Bucket=self.bucket, Key=self._key(key), Body=data)
        self.stats.bytes_sent += len(data)

    def put_if(self, key: str, data: bytes, expected: str | None) -> bool:
        faults.reach("remote-put")
        condition = {"IfNoneMatch": "*"} if expected is None else {"IfMatch": expected}
        try:
            self._call(self._s3.put_object, Bucket=self.bucket, Key=self._key(key), Body=data,
                       **condition)
        except _Precondition:
            return False
        self.stats.bytes_sent += len(data)
        return True

    def list(self, prefix: str) -> dict[str, float]:
        out: dict[str, float] = {}
        token: dict[str, str] = {}
        strip = len(self._key(""))
        while True:
            page = self._call(self._s3.list_objects_v2, Bucket=self.bucket,
                              Prefix=self._key(prefix), **token)
            out.update({item["Key"][strip:]: item["LastModified"].timestamp()
                        for item in page.get("Contents", [])})
            if not page.get("IsTruncated"):
                return out
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def delete(self, key: str) -> None:
        self._call(self._s3.delete_object, Bucket=self.bucket, Key=self._key(key))

    def _call(self, method: Any, **kwargs: Any) -> Any:
        """One request, counted; client errors mapped to dl errors."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
        self.stats.requests += 1
        try:
            return method(**kwargs)
        except ClientError as exc:
            raise self._mapped(exc) from None
        except NoCredentialsError:
            raise StoreError(f"no AWS credentials for {self.describe()}: set AWS_ACCESS_KEY_ID "
                             "and AWS_SECRET_ACCESS_KEY or configure ~/.aws/credentials") from None
        except BotoCoreError as exc:
            where = f" at {self.endpoint}" if self.endpoint else ""
            raise StoreError(f"cannot reach {self.describe()}{where}: {exc}") from None

    def _mapped(self, exc: Any) -> Exception:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in PRECONDITION or status == 412:
            return _Precondition()
        if code == "NoSuchBucket":
            return NotFound("bucket", self.bucket)
        if code in ("NoSuchKey", "404", "NotFound") or status == 404:
            return _MissingKey(f"no object {code} in {self.describe()}")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403") \
                or status == 403:
            return StoreError(f"access to {self.describe()} denied ({code}): check the AWS "
                              "credentials")
        return StoreError(f"{self.describe()}: {code or status}: {error.get('Message', exc)}")


class _Precondition(Exception):
    """A conditional write found another version."""


class _MissingKey(NotFound):
    """The object does not exist (the bucket does)."""

    def __init__(self, where: str) -> None:
        super().__init__("remote object", where)
