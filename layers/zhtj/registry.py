"""Every table item class and every queue, registered by importing the module that defines it.

One partition holds items of several capabilities (an organisation's partition holds its Org,
its OwnStat, its findings, its dues counters, ...), and a query decodes each item by its `kind`
discriminator, which PynamoDB knows only for classes already imported. Every entry point
(functions/app.py, the local stack, the tests, the bench) imports this module first, so that
any item can be decoded wherever it is read. tests/unit/test_registry.py fails when an Item
subclass under zhtj is defined in a module not imported here. Likewise every queue of the
manifest is declared (zhtj.table.queues.Queue) in a capability's messages module imported here;
tests/unit/test_queues_declared.py fails when one is missing.

Outside the layer order: this module may import every capability's models and messages (nothing in
zhtj imports it).
"""

from __future__ import annotations

import zhtj.accounts.models
import zhtj.annual.models
import zhtj.awards.models
import zhtj.cards.messages
import zhtj.cards.models
import zhtj.changes.models
import zhtj.counters.models
import zhtj.deadlines.messages
import zhtj.dues.messages
import zhtj.dues.models
import zhtj.imports.messages
import zhtj.imports.models
import zhtj.life.models
import zhtj.members.models
import zhtj.messages.messages
import zhtj.messages.models
import zhtj.names.models
import zhtj.notices.models
import zhtj.orgs.messages
import zhtj.orgs.models
import zhtj.party.models
import zhtj.registration.messages
import zhtj.registration.models
import zhtj.reminders.messages
import zhtj.search.models
import zhtj.signin.models
import zhtj.stats.models
import zhtj.sweeps.messages
import zhtj.sweeps.models
import zhtj.table.audit_record
import zhtj.table.limits
import zhtj.timers.models
import zhtj.transfers.messages
import zhtj.transfers.models
import zhtj.worklist.models

MODEL_MODULES = (
    zhtj.accounts.models,
    zhtj.annual.models,
    zhtj.awards.models,
    zhtj.cards.models,
    zhtj.changes.models,
    zhtj.counters.models,
    zhtj.dues.models,
    zhtj.imports.models,
    zhtj.life.models,
    zhtj.members.models,
    zhtj.messages.models,
    zhtj.names.models,
    zhtj.notices.models,
    zhtj.orgs.models,
    zhtj.party.models,
    zhtj.registration.models,
    zhtj.search.models,
    zhtj.signin.models,
    zhtj.stats.models,
    zhtj.sweeps.models,
    zhtj.table.audit_record,
    zhtj.table.limits,
    zhtj.timers.models,
    zhtj.transfers.models,
    zhtj.worklist.models,
)

MESSAGE_MODULES = (
    zhtj.cards.messages,
    zhtj.deadlines.messages,
    zhtj.dues.messages,
    zhtj.imports.messages,
    zhtj.messages.messages,
    zhtj.orgs.messages,
    zhtj.registration.messages,
    zhtj.reminders.messages,
    zhtj.sweeps.messages,
    zhtj.transfers.messages,
)
