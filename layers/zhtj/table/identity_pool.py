"""The cloud's user directory (Cognito). Holds which organisation an account acts for, as
the `custom:acting_org` attribute that the ID token then carries."""

from __future__ import annotations

import boto3

from zhtj.core.settings import user_pool_id


def set_acting_org(account_id: str, org_id: str | None) -> None:
    client = boto3.client("cognito-idp")
    client.admin_update_user_attributes(
        UserPoolId=user_pool_id(),
        Username=account_id,
        UserAttributes=[{"Name": "custom:acting_org", "Value": org_id or ""}],
    )
