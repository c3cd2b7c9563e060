"""What an identity provider is: the interface every adapter implements (REG-5's check of a
name, an ID number and a phone against an authority) and the errors the registry raises."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class IdentityProvider(Protocol):
    """One real-name check. `attempt` is 1 for the check made on submission and 2 for the
    automatic re-check; a provider may treat them alike. A provider that does not answer in
    time raises TimeoutError (the registration then waits for the re-check or a retry)."""

    def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
        """True when the provider confirms that the name belongs to the ID number."""
        ...


class ProviderNotConfigured(RuntimeError):
    """No identity provider is selected (settings: ZHTJ_IDENTITY_PROVIDER), or the selected one
    is not registered in this process: a deployment error, never a member's."""


class Verdict(StrEnum):
    """What a real adapter's authority answered (its `check`; `verify` is `check(...) is MATCH`)."""

    MATCH = "MATCH"  # consistent (charged)
    MISMATCH = "MISMATCH"  # inconsistent (charged)
    NO_RECORD = "NO_RECORD"  # no record, or facts the authority cannot check (not charged)


class ProviderBusy(TimeoutError):
    """The provider answered that it cannot check now (busy, its daily limit, a system error):
    nothing was decided, so it is handled like no answer (the caller retries later)."""


class ProviderError(RuntimeError):
    """The provider refused the request itself (credentials, service not enabled, arrears): a
    deployment error, never a member's; the message is retried, then dead-lettered."""
