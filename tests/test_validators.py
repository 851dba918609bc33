"""Credit code, mobile number and e-mail validation."""

import pytest

from app.errors import ValidationFailed
from app.validators import (
    credit_code_check_character,
    validate_credit_code,
    validate_email_address,
    validate_mobile,
)

# Published codes of real enterprises, with check characters computed by GB 32100-2015.
VALID_CREDIT_CODES = ["91350100M000100Y43", "91110000600037341L", "914403001922038216"]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_credit_code_accepts_valid(app, code):
    with app.test_request_context():
        assert validate_credit_code(code) == code


def test_credit_code_normalises_case_and_space(app):
    with app.test_request_context():
        assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_credit_code_check_character_matches_standard():
    assert credit_code_check_character("91350100M000100Y4") == "3"
    assert credit_code_check_character("91110000600037341") == "L"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "校验位应为 3"),
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M000100I43", "无效字符：I"),
        ("", "应为 18 位"),
    ],
)
def test_credit_code_rejects_invalid_in_chinese(app, code, fragment):
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        validate_credit_code(code)
    assert fragment in caught.value.message
    assert caught.value.field == "credit_code"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 19912345678", "19912345678"),
    ],
)
def test_mobile_accepts_mainland_numbers(app, raw, expected):
    with app.test_request_context():
        assert validate_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "020-12345678", "abc"])
def test_mobile_rejects_other_numbers(app, raw):
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        validate_mobile(raw)
    assert "不是有效的手机号码" in caught.value.message


def test_email_rejects_bad_syntax(app):
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        validate_email_address("not-an-address")
    assert "邮箱" in caught.value.message


def test_email_accepts_address(app):
    with app.test_request_context():
        assert validate_email_address("li@example.com") == "li@example.com"
