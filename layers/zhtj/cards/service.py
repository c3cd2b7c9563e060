"""The electronic member card (团员证, CARD-1/CARD-2): what makes a card due, and its pipeline.

A transaction that changes what a member's card shows calls `changed(uow, member_id)`: one
update of the member's CardState (content_version + 1, indexed as due) joins the caller's
transaction, and once it commits a message goes to the `cards` queue. A member's first card
renders at once (a new member waits for nothing); a later change waits out a quiet period, so
that a burst renders once. Either way only the latest change's message renders: an earlier
one gives way. The render is recorded with a write ordered by content version. A message lost
after the commit is recovered by the card sweep, which reads the due index.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import msgspec
from pynamodb.expressions.update import Action

from zhtj.cards import content as card_content
from zhtj.cards import due
from zhtj.cards import token as card_token

# Marking a card due lives in due.py; its names are this module's too (callers of the card's side).
from zhtj.cards.due import (
    mark_due,
    stamp,
    state_key,
)
from zhtj.cards.messages import CARDS, RenderCard
from zhtj.cards.models import CardState
from zhtj.cards.rules import VERDICTS, CardStatus, RenderOutcome, Verdict
from zhtj.core import clock, settings
from zhtj.core.errors import ConflictError, NotFoundError, ValidationError
from zhtj.core.observability import logger
from zhtj.members import service as member_changes
from zhtj.members.rules import MemberState
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, partitions, signing, storage
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

# --- The worker: render once the content is still, record it ordered by content version -------

ROLE = "cards"  # the bucket role (infra/provision.py BUCKETS): versioned, one object per member
# However busy a member's record, a card waits at most this long for the content to settle.
MAX_WAIT_SECONDS = 300
DOWNLOAD_SECONDS = 300
OLDER_RENDER = ConflictError("CARD_RENDER_SUPERSEDED", "已有更新版本的团员证", None)


def object_key(member_id: str) -> str:
    return f"cards/{member_id}/card.pdf"


def verify_url(token: str) -> str:
    """What the QR code holds: the public verification route with the token."""
    return f"{settings.public_api_url()}/cards/verify?token={token}"


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def handle(body: RenderCard) -> RenderOutcome:
    """One `cards` message (a change's announcement, or the sweep's): render the member's card
    if it is due and either it is the member's first card or its content has been still for
    QUIET_SECONDS (or has waited MAX_WAIT). An earlier change's message gives way to the latest
    change's, which is on its way. Idempotent: a card already rendered at its content version is
    left alone."""
    member_id = body.member_id
    items = partitions.items(keys.member_pk(member_id))
    card = next((i for i in items if i.get("sk") == keys.CARD_SK), None)
    member = next((i for i in items if i.get("sk") == keys.META), None)
    if card is None or member is None:
        return RenderOutcome.DROPPED
    content_version, rendered_version = int(card.get("content_version") or 0), int(card.get("rendered_version") or 0)
    if rendered_version >= content_version:
        return RenderOutcome.CURRENT
    at = clock.now()
    changed_at = _moment(card["changed_at"])
    announced = body.changed_at
    latest = announced is None or announced >= stamp(changed_at)
    if rendered_version == 0:
        # A first card renders at once. Two quick changes before it both announce at once:
        # the earlier one's message gives way, so they make one render, not two that race.
        return render(member_id, items, content_version) if latest else RenderOutcome.DEFERRED
    quiet_at = due_at(changed_at, _moment(card.get("pending_since") or card["changed_at"]))
    if at < quiet_at:
        if latest:
            # It came early (a stale "not rendered yet" at the sender, a clock apart): look
            # again when the quiet period ends. An earlier change's message is dropped: the
            # latest one's is on its way.
            due.notify(member_id, changed_at, delay_seconds=max(1, math.ceil((quiet_at - at).total_seconds())))
        return RenderOutcome.DEFERRED
    return render(member_id, items, content_version)


def due_at(changed_at: datetime, pending_since: datetime) -> datetime:
    """When a rendered card's newer content renders: once it has been still for the quiet
    period, or has waited MAX_WAIT however busy the record."""
    return min(changed_at + timedelta(seconds=due.QUIET_SECONDS), pending_since + timedelta(seconds=MAX_WAIT_SECONDS))


def render(member_id: str, items: list[dict[str, Any]], content_version: int) -> RenderOutcome:
    member = next(i for i in items if i.get("sk") == keys.META)
    branch = get_org(str(member["branch_id"]))
    content = card_content.build(items, branch.full_name)
    issued_at = clock.now().replace(microsecond=0)
    claims = card_token.CardClaims(member_id, content.card_number, content_version, issued_at)
    token = card_token.encode(claims, signing.sign(claims.payload()))
    photo = storage.get_bytes("uploads", content.photo_key) if content.photo_key else None
    # Imported here, not at the top: for cold-start cost, not to dodge a cycle (cards.pdf imports
    # only cards.content and timers.workdays). The PDF library and its font tools are half of the
    # API's cold import, and only the card worker renders.
    from zhtj.cards import pdf as card_pdf

    pdf = card_pdf.render(content, card_pdf.Issue(verify_url(token), issued_at, photo))
    key = object_key(member_id)
    version_id = storage.put_version(
        ROLE, key, pdf, "application/pdf", {"member": member_id, "content-version": str(content_version)}
    )
    try:
        _record(member_id, str(member["branch_id"]), content_version, key, version_id, len(pdf), issued_at, token)
    except Exception as error:
        # An object the table does not name must never become the current one, so it goes
        # (the table names the current version either way).
        storage.delete_version(ROLE, key, version_id)
        if error is OLDER_RENDER:  # a render of a newer content version was recorded first
            return RenderOutcome.LOST
        raise  # a race in flight, an outage: not decided, so the message comes back and renders again
    logger.info("card rendered", extra={"member_id": member_id, "content_version": content_version, "bytes": len(pdf)})
    return RenderOutcome.RENDERED


def _record(
    member_id: str,
    branch_id: str,
    version: int,
    key: str,
    version_id: str,
    size: int,
    issued_at: datetime,
    token: str,
) -> None:
    """The render's conditional write: only a newer content version than the one recorded
    (ordered by content version, never by arrival). If the content has not moved meanwhile,
    the card leaves the due index in the same write."""
    actions: list[Action] = [
        CardState.rendered_version.set(version),
        CardState.rendered_at.set(issued_at),
        CardState.object_key.set(key),
        CardState.object_version.set(version_id),
        CardState.size_bytes.set(size),
        CardState.verify_token.set(token),  # the QR of exactly this PDF (the app shows it large)
        CardState.renders.add(1),
    ]
    newer = CardState.rendered_version.does_not_exist() | (CardState.rendered_version < version)
    settled = [CardState.gsi2pk.remove(), CardState.gsi2sk.remove(), CardState.pending_since.remove()]
    for extra, condition in (
        (settled, newer & (CardState.content_version == version)),
        ([], newer & (CardState.content_version > version)),
    ):
        uow = UnitOfWork(SYSTEM_ACTOR)
        uow.update(state_key(member_id), [*actions, *extra], condition=condition, on_fail=OLDER_RENDER, versioned=False)
        uow.audit("card.issue", "MEMBER", member_id, branch_id, after={"content_version": version, "bytes": size})
        try:
            uow.commit()
            return
        except ConflictError as error:
            if error is not OLDER_RENDER:
                raise
    raise OLDER_RENDER


# --- The sweep: a card whose message was lost is found in the due index ------------------------

SWEEP_GRACE_SECONDS = due.QUIET_SECONDS + 120


def sweep(now: datetime | None = None) -> int:
    """Announce every card due for longer than the grace period (its message lost, or its render
    failed into the DLQ): one message each, delivered at once. Returns how many."""
    at = now or clock.now()
    upper = f"{stamp(at - timedelta(seconds=SWEEP_GRACE_SECONDS))}#~"
    sent = 0
    for shard in range(keys.CARD_DUE_SHARDS):
        for item in CardState.by_gsi2.query(keys.card_due_pk(shard), CardState.gsi2sk <= upper):
            if isinstance(item, CardState):
                CARDS.send(RenderCard(member_id=item.member_id, sweep=True))
                sent += 1
    return sent


# --- Reading, downloading, preferences (CARD-2) ------------------------------------------------


class CardView(msgspec.Struct, frozen=True):
    member_id: str
    card_number: str
    content_version: int
    rendered_version: int
    rendered_at: datetime | None
    size_bytes: int | None
    download_url: str | None
    verify_url: str | None  # what the rendered card's QR code holds (None before the first render)
    preferences: card_content.Preferences
    state: CardStatus  # READY: the card of the current content can be downloaded; RENDERING: a newer one is due
    ready_by: datetime | None  # RENDERING: when its render is due (at once for a first card)
    message: str  # the state in words, for the member


def _status(state: CardState, now: datetime) -> tuple[CardStatus, datetime | None, str]:
    """What the card route tells: ready, or a newer card on its way, and when, as truly as the
    pipeline allows: a first card is rendered the moment it is due, a later one after the
    quiet period; past that moment it is being rendered now (or the sweep will retry)."""
    if int(state.rendered_version or 0) >= int(state.content_version or 0):
        return CardStatus.READY, None, "团员证已是最新内容，可以下载"
    changed_at = state.changed_at or now
    if not state.rendered_version:
        return CardStatus.RENDERING, changed_at, "团员证正在生成，片刻后即可下载"
    ready_by = due_at(changed_at, state.pending_since or changed_at)
    if ready_by <= now:
        return CardStatus.RENDERING, ready_by, "新版团员证正在生成，片刻后即可下载；现在下载的是上一版"
    seconds = math.ceil((ready_by - now).total_seconds())
    return CardStatus.RENDERING, ready_by, f"团员证内容有变更，新版约 {seconds} 秒后生成；现在下载的是上一版"


def _state(member_id: str) -> CardState:
    try:
        return CardState.get(keys.member_pk(member_id), keys.CARD_SK, consistent_read=True)
    except CardState.DoesNotExist as error:
        raise NotFoundError("CARD_NOT_FOUND", "该团员尚无团员证", "member_id") from error


def _preferences(state: CardState) -> card_content.Preferences:
    return card_content.preferences_of(
        {"hidden_fields": state.hidden_fields, "dues_by_month": state.dues_by_month, "shown_awards": state.shown_awards}
    )


def _reader(principal: Principal, member_id: str) -> None:
    """The member themself, or an organisation at or above the member's branch (card.read)."""
    if principal.acting_org_id is None:
        member_changes.own_member(principal, member_id)
        return
    _, branch = member_changes.member_and_branch(member_id)
    authorize(principal, "card.read", branch)


def read(principal: Principal, member_id: str) -> CardView:
    """The card's state and, once rendered, a short-lived link to exactly the current PDF."""
    _reader(principal, member_id)
    state = _state(member_id)
    url = None
    if state.object_key and state.object_version:
        name = f"团员证-{state.card_number}.pdf"
        url = storage.version_download_url(ROLE, state.object_key, state.object_version, name, DOWNLOAD_SECONDS)
    status, ready_by, words = _status(state, clock.now())
    return CardView(
        member_id=member_id,
        card_number=state.card_number,
        content_version=int(state.content_version or 0),
        rendered_version=int(state.rendered_version or 0),
        rendered_at=state.rendered_at,
        size_bytes=None if state.size_bytes is None else int(state.size_bytes),
        download_url=url,
        verify_url=verify_url(state.verify_token) if state.verify_token else None,
        preferences=_preferences(state),
        state=status,
        ready_by=ready_by,
        message=words,
    )


def set_preferences(
    principal: Principal, member_id: str, hidden_fields: list[str], dues_by_month: bool, shown_awards: list[str] | None
) -> CardView:
    """The member's choices of what the card shows; the card is regenerated (same single write)."""
    member_changes.own_member(principal, member_id)
    unknown = sorted(set(hidden_fields) - set(card_content.OPTIONAL_FIELDS))
    if unknown:
        raise ValidationError("CARD_FIELD_NOT_OPTIONAL", f"以下项目不可隐藏：{'、'.join(unknown)}", "hidden_fields")
    state = _state(member_id)
    hidden = ",".join(sorted(set(hidden_fields))) or None
    shown = None if shown_awards is None else ",".join(sorted(set(shown_awards)))
    before = {
        "hidden_fields": state.hidden_fields,
        "dues_by_month": state.dues_by_month,
        "shown_awards": state.shown_awards,
    }
    after = {"hidden_fields": hidden, "dues_by_month": dues_by_month, "shown_awards": shown}
    preferences: list[Action] = [CardState.dues_by_month.set(dues_by_month)]
    for attribute, value in ((CardState.hidden_fields, hidden), (CardState.shown_awards, shown)):
        preferences.append(attribute.remove() if value is None else attribute.set(value))
    uow = UnitOfWork(member_changes.member_actor(principal))
    mark_due(uow, member_id, preferences)
    member = member_changes.get_member(member_id)
    uow.audit("card.preferences", "MEMBER", member_id, member.branch_id, before=before, after=after)
    uow.commit()
    return read(principal, member_id)


# --- Public verification (CARD-2) ---------------------------------------------------------------


class Verification(msgspec.Struct, frozen=True):
    state: Verdict
    genuine: bool
    message: str
    name_masked: str | None = None
    branch_name: str | None = None
    card_number: str | None = None
    content_version: int | None = None
    issued_at: datetime | None = None


def verify(token: str) -> Verification:
    """Anyone, without logging in: is this card genuine and current? Shows only what a
    stranger may see (the name masked, the branch, the state)."""
    try:
        claims = card_token.decode(token.strip(), signing.public_key())
    except card_token.InvalidToken:
        return Verification(Verdict.INVALID, False, VERDICTS[Verdict.INVALID])
    try:
        member, branch = member_changes.member_and_branch(claims.member_id)
        state = _state(claims.member_id)
    except NotFoundError:
        return Verification(Verdict.INVALID, False, VERDICTS[Verdict.INVALID])
    if member.state != MemberState.NORMAL:
        verdict = Verdict.REVOKED
    elif claims.content_version < int(state.rendered_version or 0) or claims.card_number != state.card_number:
        verdict = Verdict.SUPERSEDED
    else:
        verdict = Verdict.GENUINE
    return Verification(
        state=verdict,
        genuine=True,
        message=VERDICTS[verdict],
        name_masked=card_content.mask_name(member.name),
        branch_name=branch.full_name,
        card_number=claims.card_number,
        content_version=claims.content_version,
        issued_at=claims.issued_at,
    )
