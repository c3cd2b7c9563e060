"""`./dev up` writes `.local/env.sh` so that the README's curl lines run as written."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from infra.local.__main__ import shell_variables, write_env_file

TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1MDEifQ.c2ln"


def _stack() -> Any:
    return SimpleNamespace(
        api_url="http://127.0.0.1:8000",
        aws_url="http://127.0.0.1:5000",
        payments_url="http://127.0.0.1:8001",
        demo={"root_org_id": "o01root", "branch_org_id": "o01branch", "province_admin": TOKEN, "member": TOKEN},
    )


def test_env_file_names_every_address_id_and_login() -> None:
    """Given a running demo stack, When its shell variables are made, Then the addresses, each id
    and each login (as NAME_TOKEN) are there under the names the README uses."""
    # Given / When
    variables = shell_variables(cast(Any, _stack()))

    # Then
    assert variables == {
        "API": "http://127.0.0.1:8000",
        "AWS": "http://127.0.0.1:5000",
        "PAYMENTS": "http://127.0.0.1:8001",
        "ROOT_ORG_ID": "o01root",
        "BRANCH_ORG_ID": "o01branch",
        "PROVINCE_ADMIN_TOKEN": TOKEN,
        "MEMBER_TOKEN": TOKEN,
    }


def test_env_file_sources_in_a_shell(tmp_path: Path) -> None:
    """Given the env file written, When a shell sources it, Then the variables are set."""
    # Given
    path = tmp_path / ".local" / "env.sh"
    write_env_file(cast(Any, _stack()), path)

    # When
    shown = subprocess.run(
        ["bash", "-c", f'source "{path}" && echo "$API $ROOT_ORG_ID $PROVINCE_ADMIN_TOKEN"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    # Then
    assert shown == f"http://127.0.0.1:8000 o01root {TOKEN}"
