"""Rich-text sanitising and code input normalising."""

import pytest

from app.html import sanitize_html
from app.lookup import find_trace_code, normalize_code_input
from tests.factories import make_enterprise
from tests.factories_codes import make_batch, make_product


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script><p>ok</p>",
        '<img src=x onerror="alert(1)"><p>ok</p>',
        '<a href="javascript:alert(1)">ok</a>',
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">ok</p>',
        "<iframe src='https://example.com'></iframe><p>ok</p>",
    ],
)
def test_sanitize_removes_active_content(payload):
    cleaned = sanitize_html(payload)
    assert "ok" in cleaned
    for marker in ("<script", "onerror", "javascript:", "onclick", "<iframe", "style="):
        assert marker not in cleaned.lower()


def test_sanitize_keeps_formatting():
    html = '<h2>产地</h2><p><strong>高山</strong>茶园<br><img src="/uploads/a.png" alt="茶"></p>'
    assert sanitize_html(html) == html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB12CD", "AB12CD"),
        ("  ab12cd \n", "ab12cd"),
        ("ＡＢ１２ＣＤ", "AB12CD"),
        ("\u3000AB12CD\u3000", "AB12CD"),
        ("https://trace.example.cn/t/AB12CD", "AB12CD"),
        ("http://127.0.0.1:5000/t/AB12CD?from=wechat#top", "AB12CD"),
        ("ｈｔｔｐｓ：／／trace.example.cn／t／ＡＢ１２ＣＤ", "AB12CD"),
        ("/t/AB12CD", "AB12CD"),
        ("AB 12 CD", "AB12CD"),
        ("AB12-CD", ""),
        ("", ""),
        ("x" * 40, ""),
    ],
)
def test_normalize_code_input(raw, expected):
    assert normalize_code_input(raw) == expected


def test_find_trace_code_case_rule(app):
    enterprise_id, _ = make_enterprise(app)
    product_id = make_product(app, enterprise_id)
    _, upper_codes = make_batch(app, enterprise_id, product_id, 1)
    _, exact_codes = make_batch(app, enterprise_id, product_id, 1, case_sensitive=True)
    with app.app_context():
        assert find_trace_code(upper_codes[0].lower()).code == upper_codes[0]
        assert find_trace_code(f"https://x.cn/t/{upper_codes[0].lower()}").code == upper_codes[0]
        assert find_trace_code(exact_codes[0]).code == exact_codes[0]
        if exact_codes[0] != exact_codes[0].lower():
            assert find_trace_code(exact_codes[0].lower()) is None
        assert find_trace_code("NOSUCHCODE1") is None
