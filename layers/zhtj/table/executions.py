"""Starting the manifest's state machines. Nothing above the data layer touches boto3."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from zhtj.core import settings
from zhtj.core.manifest import load_manifest
from zhtj.table.clients import aws


@lru_cache(maxsize=1)
def _sfn() -> Any:
    return aws("stepfunctions")


def state_machine_arn(name: str) -> str:
    """The ARN of manifest state machine `name`: from the environment in the cloud; looked
    up by its deployed name where infra/provision.py made it (local stack, tests)."""
    if arn := settings.state_machine_arn(name):
        return arn
    deployed = f"{load_manifest().app}-{name}"
    for page in _sfn().get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == deployed:
                return str(machine["stateMachineArn"])
    raise LookupError(f"state machine {deployed} is not provisioned")


def start(name: str, payload: dict[str, Any], execution_name: str) -> str:
    """Start an execution; `execution_name` must be unique per machine (90 days). Returns its ARN."""
    response = _sfn().start_execution(
        stateMachineArn=state_machine_arn(name), name=execution_name, input=json.dumps(payload, ensure_ascii=False)
    )
    return str(response["executionArn"])


def reset_clients() -> None:
    """Forget the cached client (tests switch endpoints between runs)."""
    _sfn.cache_clear()
