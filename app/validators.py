"""Validators for Chinese identifiers and contact data.

Each returns the normalised value or raises ``ValidationFailed`` with a translated
message that names the field and the problem.
"""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from app.errors import ValidationFailed

# GB 32100-2015: 18 characters from this 31-character alphabet (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Mainland mobile numbers: 11 digits starting with 1 and a second digit from 3 to 9.
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def credit_code_check_character(first17: str) -> str:
    """Return the check character of a unified social credit code's first 17 characters."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """Validate a unified social credit code (统一社会信用代码) per GB 32100-2015."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise ValidationFailed(
            _("The unified social credit code must be 18 characters, got %(count)d.", count=len(code)),
            field="credit_code",
        )
    bad = [char for char in code if char not in CREDIT_CODE_ALPHABET]
    if bad:
        raise ValidationFailed(
            _(
                "The unified social credit code contains an invalid character: %(char)s.",
                char=bad[0],
            ),
            field="credit_code",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationFailed(
            _(
                "The unified social credit code is invalid: the check character should be "
                "%(expected)s, not %(actual)s. Please check the code on the business licence.",
                expected=expected,
                actual=code[17],
            ),
            field="credit_code",
        )
    return code


def validate_mobile(raw: str, field: str = "mobile") -> str:
    """Validate a mainland China mobile number; spaces, dashes and +86 are accepted."""
    # NFKC folds full-width digits and signs, as Chinese input methods type them.
    number = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw or ""))
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if not MOBILE_PATTERN.match(number):
        raise ValidationFailed(
            _("%(value)s is not a valid mainland mobile number (11 digits starting with 1).", value=raw),
            field=field,
        )
    return number


def validate_email_address(raw: str, field: str = "email") -> str:
    """Validate the syntax of an e-mail address (no DNS look-up)."""
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationFailed(
            _("%(value)s is not a valid e-mail address.", value=raw), field=field
        ) from None


def require_text(raw: str | None, label: str, field: str, max_length: int) -> str:
    """Return the stripped text, or raise when it is empty or longer than ``max_length``."""
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed(_("%(label)s is required.", label=label), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s must be at most %(max)d characters.", label=label, max=max_length),
            field=field,
        )
    return text
