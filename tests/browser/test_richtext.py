"""The rich-text editor in a real browser: one box is shown at a time, and the text of
the box the user typed in is what gets saved."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from tests.browser.conftest import ROOT
from tests.browser.test_main_flow import log_in
from tests.factories import credit_code

pytestmark = pytest.mark.browser

# Creates an approved producer on the live stack's database through the test factories.
# The parent passes the unique values, because the factories' counters restart at 1 in a
# new process and would repeat those of the main flow test.
MAKE_PRODUCER = """
import sys

from app import create_app
from app.enterprises import approve_application
from app.extensions import db
from app.models import SuyuanUser
from tests.factories import make_admin, make_user, submit

app = create_app()
owner = make_user(app, sys.argv[1])
enterprise_id = submit(app, owner, "producer", name=sys.argv[2], credit_code=sys.argv[3])
admin = make_admin(app)
with app.app_context():
    approve_application(enterprise_id, db.session.get(SuyuanUser, admin.id))
print(owner.password)
"""

FIELD = "textarea[name=description_html]"
EDITOR = ".suyuan-richtext-editor"
SOURCE_BUTTON = ".suyuan-richtext-toolbar button:has(.fa-code)"


def make_producer(stack) -> tuple[str, str]:
    """Create an approved producer with a unique username; return its login."""
    username = f"richtext{uuid.uuid4().hex[:8]}"
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            MAKE_PRODUCER,
            username,
            f"富文本企业{username}",
            credit_code(uuid.uuid4().int % 10**7),
        ],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"creating the producer failed:\n{result.stderr}")
    return username, result.stdout.split()[-1]


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
