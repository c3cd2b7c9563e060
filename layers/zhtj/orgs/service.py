"""The organisation tree's operations (组织树, ORG-1..8), for the routes, workers and other
capabilities: one name per operation, each defined in the module that does its job (creation,
editing, reads, moves, dissolution; items: an organisation's item shapes). Every operation takes the
caller's Principal, authorizes through orgs.authz, and commits its writes with their audit
records in one transaction."""

from __future__ import annotations

from zhtj.orgs.authz import get_org as get_org
from zhtj.orgs.creation import SYSTEM_ORG_SHORT_NAME as SYSTEM_ORG_SHORT_NAME
from zhtj.orgs.creation import Province as Province
from zhtj.orgs.creation import bootstrap_province as bootstrap_province
from zhtj.orgs.creation import check_child_names as check_child_names
from zhtj.orgs.creation import create_child as create_child
from zhtj.orgs.dissolution import MERGE_CHUNK as MERGE_CHUNK
from zhtj.orgs.dissolution import dissolve as dissolve
from zhtj.orgs.dissolution import merge as merge
from zhtj.orgs.editing import check_edit_names as check_edit_names
from zhtj.orgs.editing import edit as edit
from zhtj.orgs.items import bucket_of as bucket_of
from zhtj.orgs.items import name_claim as name_claim
from zhtj.orgs.items import name_tokens as name_tokens
from zhtj.orgs.items import set_index_keys as set_index_keys
from zhtj.orgs.items import snapshot as snapshot
from zhtj.orgs.moves import continue_move as continue_move
from zhtj.orgs.moves import move as move
from zhtj.orgs.moves import resume_stalled_moves as resume_stalled_moves
from zhtj.orgs.reads import ancestors as ancestors
from zhtj.orgs.reads import find_branches as find_branches
from zhtj.orgs.reads import list_children as list_children
from zhtj.orgs.reads import list_subtree as list_subtree
from zhtj.orgs.reads import read as read
from zhtj.orgs.reads import read_job as read_job
from zhtj.orgs.reads import search as search
from zhtj.orgs.reads import system_org as system_org
from zhtj.orgs.rules import OrgStatus

# The organisation's states as the capabilities compared them before orgs.rules.OrgStatus:
# use OrgStatus.ACTIVE / OrgStatus.DISSOLVED instead.
ACTIVE = OrgStatus.ACTIVE
DISSOLVED = OrgStatus.DISSOLVED
