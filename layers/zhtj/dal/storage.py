"""S3 buckets by role (infra/provision.py BUCKETS): presigned uploads and existence checks."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from zhtj.settings import get_settings

UPLOAD_SECONDS = 900


@lru_cache(maxsize=1)
def _s3() -> Any:
    return boto3.client("s3", region_name=get_settings().region)


def bucket(role: str) -> str:
    return os.environ.get(f"ZHTJ_BUCKET_{role.upper()}", f"zhtj-{role}-local")


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
