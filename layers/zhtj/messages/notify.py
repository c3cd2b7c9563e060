"""Telling someone of an event (MSG-1): the one call the senders make.

`notify(uow, kind, event_id, ...)` writes one `notifications` message in `uow`'s transaction (the
outbox, zhtj.messages.outbox) and queues it once `uow` commits (or queues it at once without a
unit of work); the worker resolves the recipient's accounts and delivers each
channel once (zhtj.messages.delivery). The event id names the event (a registration's decision,
a transfer's step): the same event queued twice is delivered once to each person and channel.
"""

from __future__ import annotations

from zhtj.core.observability import logger
from zhtj.messages import outbox
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.rules import Kind as Kind
from zhtj.messages.rules import china_time as china_time
from zhtj.orgs.authz import get_org
from zhtj.table.unit_of_work import UnitOfWork


def recipient_of(
    *,
    account_id: str | None = None,
    member_id: str | None = None,
    org_id: str | None = None,
    phone: str | None = None,
) -> str | None:
    """`account:<id>`, `member:<id>`, `org:<id>` or `phone:<number>`; None when none is given
    (an imported registration has no account: nobody to tell)."""
    named = [
        (n, v) for n, v in (("account", account_id), ("member", member_id), ("org", org_id), ("phone", phone)) if v
    ]
    if len(named) > 1:
        raise ValueError("a notification names one recipient")
    return f"{named[0][0]}:{named[0][1]}" if named else None


def notify(
    uow: UnitOfWork | None,
    kind: Kind,
    event_id: str,
    *,
    account_id: str | None = None,
    member_id: str | None = None,
    org_id: str | None = None,
    phone: str | None = None,
    params: dict[str, str] | None = None,
) -> None:
    """Queue a notification of `kind` to one recipient (an account, a member's account, an
    organisation's operators, the account of a phone) after `uow` commits, written in its
    transaction so that a queue outage after the commit loses nothing (the outbox's sweep)."""
    recipient = recipient_of(account_id=account_id, member_id=member_id, org_id=org_id, phone=phone)
    if recipient is None:
        return
    message = Notify(event_id=event_id, notice_kind=kind.value, recipient=recipient, params=dict(params or {}))

    if uow is None:
        try:
            NOTIFICATIONS.send(message)
        except Exception:  # the change it announces has happened: a lost notice is logged
            logger.exception("notification not queued", extra={"event_id": event_id})
        return
    outbox.stage(uow, message, f"notify:{event_id}:{recipient}")


def cadre_invited(invitation_key: str, phone: str, org_id: str, position: str) -> None:
    """A cadre invited by SMS (ACCT-5) is also told in-app when the phone already has an account
    (called by the invitation's route: accounts sits below this package)."""
    org = get_org(org_id)
    notify(
        None,
        Kind.CADRE_INVITED,
        f"invitation:{invitation_key}",
        phone=phone,
        params={"org": org.short_name, "position": position},
    )
