"""Mobile numbers (REG-1's optional phone, ACCT-1's sign-up phone): a mainland mobile number,
stored in E.164 form (+86...)."""

from __future__ import annotations

from zhtj.core.errors import ValidationError


def check_phone(value: str | None, field: str = "phone") -> str | None:
    """The number in E.164 form, or None when empty; raises ValidationError for anything but a
    valid mobile number."""
    if not value or not value.strip():
        return None
    return mobile(value, field)


def mobile(value: str, field: str = "phone") -> str:
    """A required mobile number in E.164 form; raises ValidationError."""
    # Imported here, not at the top: for cold-start cost, not to dodge a cycle (phonenumbers is a
    # library). These rules are imported by every function (through the item classes), and its
    # metadata costs ~15 ms of each cold start; only signing up, submitting, importing and
    # editing check phones.
    import phonenumbers

    wrong = ValidationError("PHONE_FORMAT", "手机号码格式不正确", field)
    try:
        parsed = phonenumbers.parse(value.strip(), "CN")
    except phonenumbers.NumberParseException as error:
        raise wrong from error
    # number_type is UNKNOWN for an invalid number: MOBILE means valid too.
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE:
        raise wrong
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def masked(phone: str) -> str:
    """A number as others may see it: +86 138****8000."""
    national = phone.removeprefix("+86")
    return f"{national[:3]}****{national[-4:]}" if len(national) >= 7 else "****"
