"""The rich-text editor in a real browser: one box is shown at a time, and the text of
the box the user typed in is what gets saved."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT
from tests.browser.test_main_flow import log_in

pytestmark = pytest.mark.browser

# Creates an approved producer on the live stack's database through the test factories,
# and prints its login.
MAKE_PRODUCER = """
from app import create_app
from tests.factories import make_enterprise

_, owner = make_enterprise(create_app(), "producer")
print(owner.username, owner.password)
"""

FIELD = "textarea[name=description_html]"
EDITOR = ".suyuan-richtext-editor"
SOURCE_BUTTON = ".suyuan-richtext-toolbar button:has(.fa-code)"


def make_producer(stack) -> tuple[str, str]:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MAKE_PRODUCER],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
    )
    username, password = result.stdout.split()[-2:]
    return username, password


def test_richtext_one_box_saved(live_stack, browser):
    stack = live_stack
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, stack, *make_producer(stack))

    page.goto(f"{stack.base_url}/products/add")
    assert page.is_visible(EDITOR)
    assert not page.is_visible(FIELD)

    page.fill("input[name=name]", "富文本商品")
    page.fill("input[name=price]", "18.80")
    page.click(EDITOR)
    page.keyboard.type("在编辑器中输入的描述")
    page.click("#product-form button[type=submit]")
    page.wait_for_url("**/products/show/*")
    assert "在编辑器中输入的描述" in page.inner_text(".suyuan-rich-text")

    # Source mode: only the HTML box is shown, and what is typed there is saved.
    page.goto(page.url.replace("/show/", "/edit/"))
    page.click(SOURCE_BUTTON)
    assert page.is_visible(FIELD)
    assert not page.is_visible(EDITOR)
    assert "在编辑器中输入的描述" in page.input_value(FIELD)
    page.fill(FIELD, "<p>在源码框中输入的描述</p>")
    page.click("#product-form button[type=submit]")
    page.wait_for_url("**/products/show/*")
    assert page.inner_text(".suyuan-rich-text").strip() == "在源码框中输入的描述"
    context.close()
