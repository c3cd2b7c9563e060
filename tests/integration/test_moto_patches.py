"""The moto fix keeps TransactWriteItems all-or-nothing (infra/moto_patches.py)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


def test_cancelled_transaction_leaves_every_item_as_it_was(aws: None) -> None:
    client = boto3.client("dynamodb")
    client.put_item(TableName="zhtj", Item={"pk": {"S": "A"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "zhtj", "Item": {"pk": {"S": "B"}, "sk": {"S": "1"}}}},
                {
                    "Update": {
                        "TableName": "zhtj",
                        "Key": {"pk": {"S": "A"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": "zhtj",
                        "Key": {"pk": {"S": "C"}, "sk": {"S": "1"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in client.get_item(TableName="zhtj", Key={"pk": {"S": "B"}, "sk": {"S": "1"}})
    item = client.get_item(TableName="zhtj", Key={"pk": {"S": "A"}, "sk": {"S": "1"}})["Item"]
    assert item["n"] == {"N": "1"}


def test_committed_transaction_applies_every_action(aws: None) -> None:
    client = boto3.client("dynamodb")
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "zhtj", "Item": {"pk": {"S": "B"}, "sk": {"S": "1"}}}},
            {"Put": {"TableName": "zhtj", "Item": {"pk": {"S": "B"}, "sk": {"S": "2"}}}},
        ]
    )
    assert (
        client.query(TableName="zhtj", KeyConditionExpression="pk = :b", ExpressionAttributeValues={":b": {"S": "B"}})[
            "Count"
        ]
        == 2
    )
