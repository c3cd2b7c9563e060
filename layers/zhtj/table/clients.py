"""The layer's AWS clients, built one way: `aws(service, **config)`.

Each names the application in a fixed User-Agent (`zhtj`, then Python's and botocore's
versions): CloudTrail tells the application's calls from an operator's by it, and botocore
sends it as it is. Without it botocore assembles its User-Agent 2.0 header afresh for every
request (some thirty components, each sanitised, twice a request): ≈ 0.1 ms of CPU a request,
as much as a sixth of a KMS GenerateMac's CPU in the local stack (docs/capacity.md, "Bulk
import"). The table's clients are pynamodb's: the transactions' connection takes the same
setting (`client_config`, zhtj.table.unit_of_work); the item classes' reads keep botocore's
header.
"""

from __future__ import annotations

import platform
from typing import Any

import boto3
from botocore.config import Config

from zhtj.core.settings import get_settings

# botocore appends its own name and version to it.
USER_AGENT = f"zhtj Python/{platform.python_version()}"


def client_config(**options: Any) -> Config:
    """botocore's Config of `options`, with the application's User-Agent."""
    return Config(user_agent=USER_AGENT, **options)


def aws(service: str, **options: Any) -> Any:
    """A boto3 client of `service` in the stack's region, with `options` (botocore's Config)."""
    return boto3.client(service, region_name=get_settings().region, config=client_config(**options))
