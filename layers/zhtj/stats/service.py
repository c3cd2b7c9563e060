"""The operations of stats, for the routes and workers: one name per operation, each defined
in the module that does its job (stream: the counters' stream; figures: STAT-1; bulletin and
targets: STAT-2; findings: SWEEP's read side). The counter writes and subtree totals other
capabilities need are in zhtj.counters.service."""

from __future__ import annotations

from zhtj.counters.service import sub_totals as sub_totals
from zhtj.stats.bulletin import BULLETIN_COLUMNS as BULLETIN_COLUMNS
from zhtj.stats.bulletin import BulletinRow as BulletinRow
from zhtj.stats.bulletin import bulletin as bulletin
from zhtj.stats.bulletin import bulletin_xlsx as bulletin_xlsx
from zhtj.stats.figures import children_life as children_life
from zhtj.stats.figures import figures as figures
from zhtj.stats.findings import findings_by_child as findings_by_child
from zhtj.stats.findings import list_findings as list_findings
from zhtj.stats.stream import StreamRecord as StreamRecord
from zhtj.stats.stream import apply as apply
from zhtj.stats.stream import apply_many as apply_many
from zhtj.stats.stream import handle_records as handle_records
from zhtj.stats.targets import SectorProgress as SectorProgress
from zhtj.stats.targets import sector_progress as sector_progress
from zhtj.stats.targets import set_sector_target as set_sector_target
