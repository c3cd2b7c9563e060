"""S3 buckets by role (infra/provision.py BUCKETS): presigned uploads and existence checks."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from zhtj.core.settings import bucket_env as bucket_env
from zhtj.core.settings import bucket_name
from zhtj.table.clients import aws

UPLOAD_SECONDS = 900


@lru_cache(maxsize=1)
def _s3() -> Any:
    # SigV4 everywhere: botocore still presigns with SigV2 in some global regions, and S3
    # refuses SigV2 on SSE-KMS objects (the uploads bucket is encrypted with the PII key).
    return aws("s3", signature_version="s3v4")


def bucket(role: str) -> str:
    return bucket_name(role)


def upload_url(role: str, key: str, content_type: str) -> str:
    return str(
        _s3().generate_presigned_url(
            "put_object",
            Params={"Bucket": bucket(role), "Key": key, "ContentType": content_type},
            ExpiresIn=UPLOAD_SECONDS,
        )
    )


def exists(role: str, key: str) -> bool:
    try:
        _s3().head_object(Bucket=bucket(role), Key=key)
    except ClientError:
        return False
    return True


def reset_clients() -> None:
    _s3.cache_clear()


# --- Downloads and objects the functions write or read themselves (IMPORT) ----------------------

DOWNLOAD_SECONDS = 300
# IMPORT: uploaded spreadsheets hold ID numbers in plain text. They live under this prefix of
# the uploads bucket only until their rows are written (imports/service.py then deletes every
# version); the bucket's lifecycle (infra/provision.py, infra/template.py) expires whatever is
# left there after this many days, current and earlier versions alike.
IMPORT_UPLOADS_PREFIX = "imports/"
IMPORT_UPLOADS_DAYS = 1


def download_url(role: str, key: str, file_name: str) -> str:
    """A presigned GET that saves the object as `file_name` (UTF-8, RFC 6266)."""
    from urllib.parse import quote

    disposition = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return str(
        _s3().generate_presigned_url(
            "get_object",
            Params={"Bucket": bucket(role), "Key": key, "ResponseContentDisposition": disposition},
            ExpiresIn=DOWNLOAD_SECONDS,
        )
    )


def view_url(role: str, key: str) -> str:
    """A presigned GET that a browser shows in place (an image on a page), valid DOWNLOAD_SECONDS."""
    return str(
        _s3().generate_presigned_url(
            "get_object", Params={"Bucket": bucket(role), "Key": key}, ExpiresIn=DOWNLOAD_SECONDS
        )
    )


def put_bytes(role: str, key: str, data: bytes, content_type: str) -> None:
    _s3().put_object(Bucket=bucket(role), Key=key, Body=data, ContentType=content_type)


def get_bytes(role: str, key: str, etag: str | None = None) -> bytes:
    """The object's content; with `etag`, only that version of it. Raises KeyError when the
    object does not exist or (with `etag`) was replaced since."""
    params = {"Bucket": bucket(role), "Key": key}
    if etag:
        params["IfMatch"] = etag
    try:
        response = _s3().get_object(**params)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "PreconditionFailed", "412"):
            raise KeyError(key) from error
        raise
    return bytes(response["Body"].read())


def delete_all_versions(role: str, key: str) -> int:
    """Remove the object `key` for good: every version and delete marker of it, in a versioned
    bucket or not (a plain DELETE would only hide it behind a delete marker). Idempotent;
    returns how many versions and markers were removed."""
    client, name = _s3(), bucket(role)
    removed = 0
    for page in client.get_paginator("list_object_versions").paginate(Bucket=name, Prefix=key):
        found = [v for v in page.get("Versions", []) + page.get("DeleteMarkers", []) if v["Key"] == key]
        if not found:
            continue
        objects = [{"Key": key, "VersionId": v["VersionId"]} for v in found]
        answer = client.delete_objects(Bucket=name, Delete={"Objects": objects, "Quiet": True})
        if answer.get("Errors"):
            raise RuntimeError(f"could not delete every version of {key}: {answer['Errors'][0].get('Code')}")
        removed += len(objects)
    return removed


def describe(role: str, key: str) -> tuple[int, str] | None:
    """The object's size in bytes and its ETag; None when it does not exist."""
    try:
        response = _s3().head_object(Bucket=bucket(role), Key=key)
    except ClientError:
        return None
    return int(response["ContentLength"]), str(response["ETag"])


# --- CARD: versioned objects (the cards bucket keeps every render; the table names the current one)


def put_version(role: str, key: str, data: bytes, content_type: str, metadata: dict[str, str]) -> str:
    """Store a new version of `key` in a versioned bucket; returns its VersionId."""
    response = _s3().put_object(Bucket=bucket(role), Key=key, Body=data, ContentType=content_type, Metadata=metadata)
    return str(response["VersionId"])


def delete_version(role: str, key: str, version_id: str) -> None:
    """Remove one version (a render that lost to a newer one), so it never becomes the latest."""
    _s3().delete_object(Bucket=bucket(role), Key=key, VersionId=version_id)


def get_version(role: str, key: str, version_id: str) -> bytes:
    return bytes(_s3().get_object(Bucket=bucket(role), Key=key, VersionId=version_id)["Body"].read())


def version_download_url(role: str, key: str, version_id: str, file_name: str, seconds: int) -> str:
    """A presigned GET of exactly one version, saved as `file_name`."""
    from urllib.parse import quote

    disposition = f"attachment; filename*=UTF-8''{quote(file_name)}"
    params = {"Bucket": bucket(role), "Key": key, "VersionId": version_id, "ResponseContentDisposition": disposition}
    return str(_s3().generate_presigned_url("get_object", Params=params, ExpiresIn=seconds))
