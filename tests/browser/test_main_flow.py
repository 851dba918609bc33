"""The main job end to end in a real browser: onboarding, codes, packing, shipping,
handling, write-off and the consumer's scan, on the real server and worker."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.conftest import ADMIN_PASSWORD
from tests.factories import credit_code

pytestmark = pytest.mark.browser

PASSWORD = "e2e-user-pass-1"


def licence_file(tmp_path) -> str:
    path = tmp_path / "licence.png"
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (180, 30, 30)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def shot(page, stack, name: str) -> None:
    page.screenshot(path=str(stack.output / f"{name}.png"), full_page=True)


def log_in(page, stack, username: str, password: str) -> None:
    page.goto(f"{stack.base_url}/logout/")
    page.goto(f"{stack.base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def register(page, stack, username: str) -> str:
    """Register through the H5 form; return the public user ID shown on the "me" page."""
    page.goto(f"{stack.base_url}/logout/")
    page.goto(f"{stack.base_url}/register")
    page.fill("input[name=username]", username)
    page.fill("input[name=name]", username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm_password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/me")
    return page.inner_text(".h5-public-id").strip()


def apply_for_enterprise(page, stack, enterprise_type: str, name: str, licence: str) -> None:
    page.goto(f"{stack.base_url}/enterprise/apply")
    page.check(f"input[name=type][value={enterprise_type}]")
    page.fill("input[name=name]", name)
    page.fill("input[name=credit_code]", credit_code())
    page.fill("input[name=legal_representative]", "刘德")
    page.fill("input[name=registered_address]", "广东省广州市天河区")
    page.fill("input[name=detailed_address]", "官溪西路 17 号")
    page.set_input_files("input[name=licence]", licence)
    page.fill("input[name=contact_name]", "王艺")
    page.fill("input[name=mobile]", "13612345678")
    page.fill("input[name=email]", "contact@example.com")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "审核中" in page.inner_text("#application-status")


def open_application(page, stack, name: str) -> None:
    page.goto(f"{stack.base_url}/admin/enterprises/pending/list/")
    row = page.locator("tr", has_text=name)
    row.locator("a[href*='/show/']").first.click()
    page.wait_for_load_state()


def test_main_flow(live_stack, browser, tmp_path):
    stack = live_stack
    licence = licence_file(tmp_path)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside_requests = []
    page.on(
        "request",
        lambda request: (
            outside_requests.append(request.url)
            if not request.url.startswith(stack.base_url) and not request.url.startswith("data:")
            else None
        ),
    )

    # 1. Three users register and apply; a fourth applies and will be rejected.
    accounts = {
        "producer": ("e2e_producer", "溯源测试食品有限公司"),
        "storage": ("e2e_storage", "溯源测试物流有限公司"),
        "distributor": ("e2e_distributor", "溯源测试商贸有限公司"),
    }
    for enterprise_type, (username, name) in accounts.items():
        register(page, stack, username)
        apply_for_enterprise(page, stack, enterprise_type, name, licence)
    shot(page, stack, "01-application-pending")
    register(page, stack, "e2e_rejected")
    apply_for_enterprise(page, stack, "producer", "被拒绝的测试企业", licence)

    # 2. The admin approves three and rejects the fourth with a reason.
    log_in(page, stack, "admin", ADMIN_PASSWORD)
    page.goto(f"{stack.base_url}/admin/enterprises/pending/list/")
    shot(page, stack, "02-admin-pending-applications")
    for _, name in accounts.values():
        open_application(page, stack, name)
        page.click("#approve-button")
        page.wait_for_load_state()
        assert "已通过" in page.content()
    open_application(page, stack, "被拒绝的测试企业")
    page.fill("textarea[name=reason]", "营业执照图片不清晰")
    page.click("#reject-button")
    page.wait_for_load_state()

    log_in(page, stack, "e2e_rejected", PASSWORD)
    page.goto(f"{stack.base_url}/enterprise/apply")
    assert "营业执照图片不清晰" in page.inner_text("#reject-reason")
    shot(page, stack, "03-application-rejected")

    # 3. The producer invites a staff member, who accepts.
    staff_id = register(page, stack, "e2e_staff")
    log_in(page, stack, "e2e_producer", PASSWORD)
    page.goto(f"{stack.base_url}/staff/")
    page.fill("input[name=public_id]", staff_id)
    page.click("form[action$='/staff/invite'] button[type=submit]")
    page.wait_for_load_state()
    log_in(page, stack, "e2e_staff", PASSWORD)
    page.goto(f"{stack.base_url}/me")
    page.click("form[action*='/accept'] button[type=submit]")
    page.wait_for_load_state()
    assert "溯源测试食品有限公司" in page.inner_text("main")
    shot(page, stack, "04-staff-joined")

    assert outside_requests == []
    context.close()
