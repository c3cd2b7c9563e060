"""Key builders: the one place a key's shape is spelled (see docs/data-model.md), one module
per capability's seam, every builder named here, so that callers write `keys.<builder>`."""

from __future__ import annotations

from zhtj.table.keys.awards import *  # noqa: F403
from zhtj.table.keys.base import *  # noqa: F403
from zhtj.table.keys.dues import *  # noqa: F403
from zhtj.table.keys.life import *  # noqa: F403
from zhtj.table.keys.member_changes import *  # noqa: F403
from zhtj.table.keys.stats import *  # noqa: F403
from zhtj.table.keys.transfers import *  # noqa: F403
from zhtj.table.keys.worklist import *  # noqa: F403
