"""Where the statistics counters are and which attributes are counters: pure rules.

An OwnStat holds one organisation's own counters; its subtree's counters are spread over the
SubStat shards of that organisation (the root and the cities are on every path, so they have
more shards: a registration peak never writes one item more than a few times a second).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

# Shards of a SubStat by depth: the root and the cities are on every path.
ROOT_SHARDS = 8
CITY_SHARDS = 4
# OwnStat attributes that are not counters.
NOT_COUNTERS = frozenset({"pk", "sk", "kind", "org_id", "path", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"})


def shards(depth: int) -> int:
    """How many SubStat shards the organisation at `depth` (root 0) has."""
    return ROOT_SHARDS if depth == 0 else CITY_SHARDS if depth == 1 else 1


def own_counters(image: Mapping[str, Any] | None) -> Counter[str]:
    """The counters of an OwnStat image (numbers only)."""
    if not image:
        return Counter()
    return Counter(
        {
            k: int(v)
            for k, v in image.items()
            if k not in NOT_COUNTERS and isinstance(v, int | float) and not isinstance(v, bool)
        }
    )
