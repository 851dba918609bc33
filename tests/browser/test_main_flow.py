"""The main job end to end in a real browser: onboarding, codes, packing, shipping,
handling, write-off and the consumer's scan, on the real server and worker."""

from __future__ import annotations

import csv
import io
import zipfile

import pypdfium2
import pytest
import zxingcpp
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


def scan(page, code_or_url: str) -> None:
    """Type a code into the scan-gun input and press Enter, as a keyboard-wedge scanner does."""
    before = page.locator("#scan-log li").count()
    page.fill("#scan-input", code_or_url)
    page.press("#scan-input", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#scan-log li').length > {before}")


def last_scan_line(page) -> tuple[bool, str]:
    line = page.locator("#scan-last")
    return "alert-success" in (line.get_attribute("class") or ""), line.inner_text()


def decode_png(data: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert results, "no QR code found in the label image"
    return results[0].text


def download(page, button_selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(button_selector)
    return open(info.value.path(), "rb").read()


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

    # 4. The producer creates a product and requests 2 batches of 500 codes; the admin approves.
    log_in(page, stack, "e2e_producer", PASSWORD)
    page.goto(f"{stack.base_url}/products/add")
    page.fill("input[name=name]", "高山乌龙茶")
    page.fill("input[name=price]", "128.00")
    page.set_input_files("input[name=main_image]", licence)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{stack.base_url}/code-requests/new")
    page.check("#product-picker input[name=product_id]")
    page.fill("input[name=batch_count]", "2")
    page.fill("input[name=codes_per_batch]", "500")
    page.fill("input[name=code_length]", "12")
    page.fill("input[name=batch_prefix]", "WL")
    page.click("#code-request-form button[type=submit]")
    page.wait_for_load_state()
    request_row = page.locator("#code-requests tbody tr").first
    request_id = request_row.get_attribute("id").removeprefix("request-")

    log_in(page, stack, "admin", ADMIN_PASSWORD)
    page.goto(f"{stack.base_url}/code-requests/")
    page.click(f"#request-{request_id} form[action$='/approve'] button")
    page.wait_for_load_state()

    log_in(page, stack, "e2e_producer", PASSWORD)
    page.goto(f"{stack.base_url}/code-requests/")
    # The list polls the progress endpoint and updates the status cell until generation ends.
    page.wait_for_function(
        f"document.querySelector('#request-{request_id} .request-status').innerText.includes('已完成')",
        timeout=120_000,
    )
    shot(page, stack, "05-code-request-completed")

    # 5. Edit the first batch, download labels and decode one.
    page.goto(f"{stack.base_url}/batches/")
    page.locator("#batches a[href$='/edit']").first.click()
    page.fill("input[name=production_date]", "2026-12-01")
    page.fill("input[name=production_team]", "一号班组")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{stack.base_url}/batches/")
    page.locator("#batches a[href*='/batches/']:not([href$='/edit'])").first.click()
    page.wait_for_load_state()
    assert "2026-12-01" in page.inner_text("#production-date")
    batch_number = page.inner_text("h3").split()[-1]
    shot(page, stack, "06-batch-labels")

    rows = list(
        csv.reader(io.StringIO(download(page, "form[action$='/labels/csv'] button").decode("utf-8-sig")))
    )
    urls = [row[1] for row in rows if row and row[1].startswith(stack.base_url)]
    assert len(urls) == 500
    with zipfile.ZipFile(io.BytesIO(download(page, "form[action$='/labels/zip'] button"))) as archive:
        names = sorted(name for name in archive.namelist() if name.endswith(".png"))
        assert len(names) == 500
        decoded_url = decode_png(archive.read(names[0]))
    assert decoded_url in urls
    pdf = pypdfium2.PdfDocument(download(page, "form[action$='/labels/pdf'] button"))
    page_image = pdf[0].render(scale=3).to_pil()
    assert decode_png_image(page_image) in urls
    item_url = decoded_url
    items = [item_url] + [url for url in urls if url != item_url][:9]

    # 6. Pack ten items into a box (scanning label URLs) and ship the box.
    page.goto(f"{stack.base_url}/trace/pack")
    for url in items:
        scan(page, url)
        assert last_scan_line(page)[0], last_scan_line(page)[1]
    box_code = page.input_value("#field-box")
    assert box_code
    shot(page, stack, "07-packing")
    page.goto(f"{stack.base_url}/trace/ship")
    page.fill("#field-logistics_company", "百世快递")
    page.fill("#field-waybill_number", "34881648840154")
    page.fill("#field-vehicle_number", "粤D234548")
    page.fill("#field-shipper", "王师傅")
    page.fill("#field-shipped_at", "2026-12-02T09:30")
    scan(page, box_code)
    assert last_scan_line(page)[0], last_scan_line(page)[1]
    shot(page, stack, "08-shipping")

    # 7. The storage enterprise scans the box and adds a handling record.
    log_in(page, stack, "e2e_storage", PASSWORD)
    page.goto(f"{stack.base_url}/trace/record")
    page.fill("#field-stage", "仓储")
    page.fill("#field-location", "广州三号仓 A-12 货架")
    page.fill("#field-condition", "正常")
    scan(page, box_code)
    assert last_scan_line(page)[0], last_scan_line(page)[1]

    # 8. The distributor writes off an item from the box; a second write-off is refused.
    log_in(page, stack, "e2e_distributor", PASSWORD)
    page.goto(f"{stack.base_url}/trace/sell")
    scan(page, item_url)
    assert last_scan_line(page)[0], last_scan_line(page)[1]
    scan(page, item_url)
    applied, message = last_scan_line(page)
    assert not applied
    assert "溯源测试商贸有限公司" in message
    shot(page, stack, "09-write-off-refused")
    page.goto(f"{stack.base_url}/logout/")

    # 9. An anonymous phone opens the label URL.
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone_page = phone.new_page()
    phone_page.on(
        "request",
        lambda request: (
            outside_requests.append(request.url)
            if not request.url.startswith(stack.base_url) and not request.url.startswith("data:")
            else None
        ),
    )
    phone_page.goto(item_url)
    text = phone_page.inner_text("main")
    for expected in (
        "高山乌龙茶",
        "溯源测试食品有限公司",
        "2026-12-01",
        "一号班组",
        "百世快递",
        "34881648840154",
        "粤D234548",
        "王师傅",
        "仓储",
        "广州三号仓 A-12 货架",
        "正常",
        "已售出",
        "这是该溯源码的第一次查询",
    ):
        assert expected in text, f"{expected!r} missing from the scan page"
    assert batch_number in text
    assert phone_page.get_attribute(".h5-query-notice", "data-query-count") == "1"
    shot(phone_page, stack, "10-scan-page-phone")
    phone_page.reload()
    assert phone_page.get_attribute(".h5-query-notice", "data-query-count") == "2"
    assert "上一次查询" in phone_page.inner_text(".h5-query-notice")
    response = phone_page.goto(f"{stack.base_url}/t/ZZZZZZZZZZZZ")
    assert response.status == 404
    assert phone_page.locator("[data-unknown-code]").count() == 1
    assert "可能是假冒品" in phone_page.inner_text("[data-unknown-code]")
    shot(phone_page, stack, "11-unknown-code")

    assert outside_requests == []
    phone.close()
    context.close()


def decode_png_image(image) -> str:
    results = zxingcpp.read_barcodes(image)
    assert results, "no QR code found on the PDF page"
    return results[0].text
