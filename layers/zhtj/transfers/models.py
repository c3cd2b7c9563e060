"""Item types of transfers (XFER-1..6): the transfer and its steps, proposals, figures, the
chain, batches and arrivals from outside the province. Their states are the StrEnums of
rules.py. Key layouts are in docs/data-model.md."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.table.base import Item
from zhtj.transfers.rules import BatchRowOutcome

# --- XFER: transfers of membership ---------------------------------------------------------------


class TransferStep(MapAttribute):  # type: ignore[type-arg]
    """One answer in a transfer's history: who was asked, who answered, how, when, how late."""

    step = NumberAttribute()  # index in the chain; -1 for an appeal's decision
    org_id = UnicodeAttribute()  # the organisation asked
    acted_org_id = UnicodeAttribute(null=True)  # who answered (an ancestor once escalated)
    outcome = UnicodeAttribute()  # rules.StepOutcome
    at = UTCDateTimeAttribute()
    hours = NumberAttribute(null=True)  # response time since the step was asked
    late = BooleanAttribute(default=False)
    reason = UnicodeAttribute(null=True)


class Transfer(Item, discriminator="Transfer"):
    """XFER-1..6, a transfer of membership: pk MEMBER#<member>, sk XFER#<transfer> (the member's
    transfer history is a prefix of the member partition; the card reads it from there).
    gsi1 XFERQ#<organisation asked> / <due>#<transfer> while a step waits (an organisation's
    inbox; an escalation moves it to the organisation above); gsi2 XFERBATCH#<batch> /
    <member> for a transfer started by a batch."""

    transfer_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_name = UnicodeAttribute()
    out_of_province = BooleanAttribute(default=False)
    cause = UnicodeAttribute()
    cause_text = UnicodeAttribute(null=True)
    from_branch_id = UnicodeAttribute()
    from_branch_name = UnicodeAttribute()
    from_path = UnicodeAttribute()
    to_branch_id = UnicodeAttribute(null=True)
    to_branch_name = UnicodeAttribute(null=True)
    to_path = UnicodeAttribute(null=True)
    destination = UnicodeAttribute(null=True)  # XFER-4: Destination
    destination_name = UnicodeAttribute(null=True)
    letter_number = UnicodeAttribute(null=True)
    state = UnicodeAttribute()  # rules.TransferState
    chain = ListAttribute(of=UnicodeAttribute)
    step_index = NumberAttribute()  # the step waiting; -1 while an appeal waits
    step_org_id = UnicodeAttribute(null=True)  # the organisation asked now
    step_path = UnicodeAttribute(null=True)  # its materialized path (who may act once escalated)
    escalated_to = UnicodeAttribute(null=True)  # the step's deadline passed: this ancestor may act
    step_asked_at = UTCDateTimeAttribute(null=True)
    step_due_at = UTCDateTimeAttribute(null=True)
    step_overdue = BooleanAttribute(default=False)
    history = ListAttribute(of=TransferStep, default=list)
    returned_by = UnicodeAttribute(null=True)
    returned_step = NumberAttribute(null=True)
    appealed = BooleanAttribute(default=False)  # one appeal per return
    return_code = UnicodeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)
    appeal_reason = UnicodeAttribute(null=True)
    appeal_attachment_key = UnicodeAttribute(null=True)
    withdraw_reason = UnicodeAttribute(null=True)
    graduate = BooleanAttribute(default=False)  # from a graduates' branch (XFER-6)
    batch_id = UnicodeAttribute(null=True)
    started_by = UnicodeAttribute()
    started_org_id = UnicodeAttribute(null=True)  # None: the member started it
    # Confirmed by the member from an organisation's proposal (XFER-2): which, and whose.
    proposal_id = UnicodeAttribute(null=True)
    proposed_by_org_id = UnicodeAttribute(null=True)
    requested_at = UTCDateTimeAttribute()
    completed_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()


class TransferProposal(Item, discriminator="TransferProposal"):
    """XFER-2, a transfer proposed by an organisation outside the member's subtree (the
    receiving side), waiting for the member's own confirmation: pk MEMBER#<member>, sk
    XPROP#<proposing organisation> (one proposal per member and organisation at a time);
    gsi1 XPROPORG#<proposing organisation> / <proposed>#<proposal>. It opens no transfer and
    counts in no figure; confirming starts the transfer as the member's own. Expires by TTL."""

    proposal_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_name = UnicodeAttribute()
    org_id = UnicodeAttribute()  # the proposing organisation
    org_name = UnicodeAttribute()
    cause = UnicodeAttribute()
    cause_text = UnicodeAttribute(null=True)
    to_branch_id = UnicodeAttribute()
    to_branch_name = UnicodeAttribute()
    note = UnicodeAttribute(null=True)  # what the proposer tells the member
    state = UnicodeAttribute()  # rules.ProposalState (lapsed: PROPOSED past valid_until, never stored)
    proposed_by = UnicodeAttribute()
    proposed_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    decline_reason = UnicodeAttribute(null=True)
    # No version: a decided or lapsed proposal is replaced by the next one, and every write is
    # guarded by its state and proposal_id instead.
    transfer_id = UnicodeAttribute(null=True)  # the transfer its confirmation started


class TransferStats(Item, discriminator="TransferStats"):
    """XFER-2 monitoring of an organisation's subtree, one of a few shards: pk XSTAT#<org>,
    sk SHARD#<n>. Every transfer event ADDs to the items of every organisation above the
    branches involved (their paths) in its own transaction; a read sums the shards (one Query).
    Sharding keeps the province's items from being one hot key in the graduation peak."""

    out_open = NumberAttribute(default=0)
    out_returned = NumberAttribute(default=0)
    out_completed = NumberAttribute(default=0)
    out_withdrawn = NumberAttribute(default=0)
    in_open = NumberAttribute(default=0)
    in_returned = NumberAttribute(default=0)
    in_completed = NumberAttribute(default=0)
    in_withdrawn = NumberAttribute(default=0)
    responses = NumberAttribute(default=0)
    within_deadline = NumberAttribute(default=0)
    late_steps = NumberAttribute(default=0)
    overdue_now = NumberAttribute(default=0)
    graduates = NumberAttribute(default=0)
    graduates_transferred = NumberAttribute(default=0)
    h0 = NumberAttribute(default=0)
    h1 = NumberAttribute(default=0)
    h2 = NumberAttribute(default=0)
    h3 = NumberAttribute(default=0)
    h4 = NumberAttribute(default=0)
    h5 = NumberAttribute(default=0)
    h6 = NumberAttribute(default=0)
    h7 = NumberAttribute(default=0)
    h8 = NumberAttribute(default=0)
    h9 = NumberAttribute(default=0)


class TransferChainConfig(Item, discriminator="TransferChainConfig"):
    """XFER-2: the province's approval chain as data: pk CONFIG, sk XFERCHAIN."""

    steps = UnicodeAttribute()  # JSON list of {"side": FROM|TO, "up": n}
    response_hours = NumberAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()


class TransferBatch(Item, discriminator="TransferBatch"):
    """XFER-6, a batch of transfers (a graduating class): pk XBATCH#<batch>, sk META; gsi1
    XBATCHES#<org> / <created>#<batch>. Outcomes per member: pk XBATCH#<batch>, sk ROW#<member>
    (the summary is counted from them on read: a batch has at most 1,000)."""

    batch_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    # The organisation the creator acted for (the batch's organisation or one above it): the
    # worker starts each member as that operator, so XFER-2's scope check is the creator's.
    created_org_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    rows = NumberAttribute()
    rows_json = UnicodeAttribute()  # the list as given: [{member_id, to_branch_id, cause, cause_text}]


class TransferBatchRow(Item, discriminator="TransferBatchRow"):
    """One member of a batch and what became of them: pk XBATCH#<batch>, sk ROW#<member>."""

    member_id = UnicodeAttribute()
    to_branch_id = UnicodeAttribute()
    cause = UnicodeAttribute()
    outcome = UnicodeAttribute(default=BatchRowOutcome.QUEUED)  # rules.BatchRowOutcome
    transfer_id = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    approval = UnicodeAttribute(null=True)  # rules.BatchApproval; None: not asked
    approval_error = UnicodeAttribute(null=True)


class IncomingTransfer(Item, discriminator="IncomingTransfer"):
    """XFER-5, a member coming from outside the province: pk INCOMING#<id>, sk META; gsi1
    INCOMINGORG#<branch> / <state>#<recorded>#<id>. The receiving branch records the letter and
    the file check; the person then registers within 5 working days (REG-7's timer)."""

    incoming_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    name = UnicodeAttribute()
    id_index = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    id_sealed = UnicodeAttribute()
    join_month = UnicodeAttribute()
    development_number = UnicodeAttribute(null=True)
    letter_number = UnicodeAttribute()
    from_organisation = UnicodeAttribute()
    state = UnicodeAttribute()  # rules.IncomingState
    accepted_at = UTCDateTimeAttribute()
    register_by = UTCDateTimeAttribute()
    registered_at = UTCDateTimeAttribute(null=True)
    recorded_by = UnicodeAttribute()
