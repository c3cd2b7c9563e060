"""The one DynamoDB table: its keys, its two overloaded indexes, and the polymorphic base.

Every item type is a subclass of `Item`, told apart by the `kind` discriminator. Key
layouts per type are in docs/data-model.md; the index definitions here are also what the
cloud template and the local runtime create (infra/resources.py reads `table_definition`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import DiscriminatorAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from zhtj.core.settings import get_settings


class Gsi1(GlobalSecondaryIndex["Item"]):
    """Lists under a parent: an organisation's children, a branch's members, an org's staff,
    an organisation's audit trail."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex["Item"]):
    """The organisation tree by materialized path, bucketed by the depth-1 ancestor."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Item(Model):
    class Meta:
        table_name = get_settings().table_name
        region = get_settings().region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    by_gsi1 = Gsi1()
    by_gsi2 = Gsi2()

    def __init__(
        self, hash_key: Any = None, range_key: Any = None, _user_instantiated: bool = True, **attributes: Any
    ) -> None:
        # Typed, so that constructing any item is a typed call (PynamoDB's own is untyped).
        super().__init__(hash_key, range_key, _user_instantiated, **attributes)


# An item's primary key: (pk, sk).
Key = tuple[str, str]


def get_items(wanted: Iterable[Key]) -> dict[Key, Item]:
    """Items of any kinds by key, strongly consistent, in one BatchGetItem per 100 keys
    (PynamoDB retries the unprocessed ones): those that exist, by key, each as its own class."""
    distinct = list(dict.fromkeys(wanted))
    if not distinct:
        return {}
    return {(item.pk, item.sk): item for item in Item.batch_get(distinct, consistent_read=True)}


def table_definition() -> dict[str, Any]:
    """The table as CloudFormation `AWS::DynamoDB::Table` properties (on-demand, TTL, PITR)."""
    keys = [("pk", "sk"), ("gsi1pk", "gsi1sk"), ("gsi2pk", "gsi2sk")]
    return {
        "TableName": get_settings().table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for pair in keys for name in pair],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": f"gsi{n}",
                "KeySchema": [
                    {"AttributeName": f"gsi{n}pk", "KeyType": "HASH"},
                    {"AttributeName": f"gsi{n}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for n in (1, 2)
        ],
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "SSESpecification": {"SSEEnabled": True},
    }
