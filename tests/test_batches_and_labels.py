"""Batches (edit, guarded delete) and label exports (CSV, URLs, ZIP, PDF)."""

import csv
import io
import zipfile

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Batch, ExportJob, TraceCode
from app.models.codes import CodeStatus, ExportStatus
from tests.factories import login, make_admin, make_enterprise, make_user
from tests.factories_codes import make_batch
from tests.factories_requests import approve, make_producer_with_product, submit

BASE = "http://suyuan.test/t/"


def generated_batch(app, codes_per_batch: int = 30):
    """A producer with one generated batch: (enterprise id, owner, batch id, codes)."""
    enterprise_id, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="1", codes_per_batch=str(codes_per_batch))
    approve(app, request_id)
    with app.app_context():
        batch_id = db.session.scalar(select(Batch.id).where(Batch.request_id == request_id))
        codes = db.session.scalars(select(TraceCode.code).where(TraceCode.batch_id == batch_id)).all()
    return enterprise_id, owner, batch_id, codes


def batch_number(app, batch_id):
    with app.app_context():
        return db.session.get(Batch, batch_id).batch_number


def test_batch_edit_stores_date_and_team(app, client):
    _, owner, batch_id, _ = generated_batch(app, 3)
    login(client, owner)
    response = client.post(
        f"/batches/{batch_id}/edit",
        data={"production_date": "2026-03-01", "production_team": "一班", "description": "春季"},
    )
    assert response.status_code == 302
    page = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "2026-03-01" in page
    assert "一班" in page
    edit_page = client.get(f"/batches/{batch_id}/edit").get_data(as_text=True)
    assert 'type="date"' in edit_page
    assert 'value="2026-03-01"' in edit_page


def test_batch_edit_rejects_bad_date(app, client):
    _, owner, batch_id, _ = generated_batch(app, 3)
    login(client, owner)
    response = client.post(f"/batches/{batch_id}/edit", data={"production_date": "2026-13-45"})
    assert response.status_code == 400
    assert "不是有效日期" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Batch, batch_id).production_date is None


def test_batch_list_filters_by_product(app, client):
    enterprise_id, owner, batch_id, _ = generated_batch(app, 3)
    login(client, owner)
    with app.app_context():
        product_id = db.session.get(Batch, batch_id).product_id
    number = batch_number(app, batch_id)
    assert number in client.get(f"/batches/?product_id={product_id}").get_data(as_text=True)
    assert number not in client.get(f"/batches/?product_id={product_id + 1000}").get_data(as_text=True)


def test_unused_batch_is_deleted_with_codes(app, client):
    _, owner, batch_id, _ = generated_batch(app, 5)
    login(client, owner)
    assert client.post(f"/batches/{batch_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Batch, batch_id) is None
        assert db.session.scalar(select(func.count(TraceCode.id))) == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": int(CodeStatus.SHIPPED)}, "已装箱、发货出厂或已售出"),
        ({"status": int(CodeStatus.SOLD)}, "已装箱、发货出厂或已售出"),
        ({"scan_count": 1}, "已被扫码查询"),
    ],
)
def test_used_batch_delete_is_refused(app, client, change, reason):
    _, owner, batch_id, codes = generated_batch(app, 5)
    with app.app_context():
        code = db.session.scalar(select(TraceCode).where(TraceCode.code == codes[0]))
        for key, value in change.items():
            setattr(code, key, value)
        db.session.commit()
    login(client, owner)
    response = client.post(f"/batches/{batch_id}/delete", follow_redirects=True)
    assert reason in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Batch, batch_id) is not None
        assert db.session.scalar(select(func.count(TraceCode.id))) == 5


def test_other_enterprise_cannot_touch_batch(app, client):
    _, _, batch_id, _ = generated_batch(app, 3)
    _, stranger = make_enterprise(app, "producer")
    login(client, stranger)
    assert client.get(f"/batches/{batch_id}").status_code == 404
    assert client.get(f"/batches/{batch_id}/edit").status_code == 404
    assert client.post(f"/batches/{batch_id}/edit", data={"production_team": "x"}).status_code == 404
    assert client.post(f"/batches/{batch_id}/delete").status_code == 404
    assert client.post(f"/batches/{batch_id}/labels/csv").status_code == 404
    assert batch_number(app, batch_id) not in client.get("/batches/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Batch, batch_id).production_team is None


@pytest.mark.parametrize("enterprise_type", ["storage", "distributor", None])
def test_non_producers_get_403_on_batches(app, client, enterprise_type):
    _, _, batch_id, _ = generated_batch(app, 3)
    user = make_enterprise(app, enterprise_type)[1] if enterprise_type else make_user(app)
    login(client, user)
    assert client.get("/batches/").status_code == 403
    assert client.get(f"/batches/{batch_id}").status_code == 403
    assert client.post(f"/batches/{batch_id}/delete").status_code == 403
    assert client.post(f"/batches/{batch_id}/labels/csv").status_code == 403


def test_admin_sees_any_batch(app, client):
    _, _, batch_id, _ = generated_batch(app, 3)
    login(client, make_admin(app))
    assert client.get(f"/batches/{batch_id}").status_code == 200


def test_csv_export_has_every_code_once(app, client):
    _, owner, batch_id, codes = generated_batch(app, 30)
    login(client, owner)
    response = client.post(f"/batches/{batch_id}/labels/csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["code", "url", "batch_number"]
    assert sorted(row[0] for row in rows[1:]) == sorted(codes)
    number = batch_number(app, batch_id)
    assert all(row[1] == BASE + row[0] and row[2] == number for row in rows[1:])


def test_url_list_has_every_code_once(app, client):
    _, owner, batch_id, codes = generated_batch(app, 30)
    login(client, owner)
    lines = client.post(f"/batches/{batch_id}/labels/urls").get_data(as_text=True).splitlines()
    assert sorted(lines) == sorted(BASE + code for code in codes)


def test_zip_png_decodes_to_label_url(app, client):
    _, owner, batch_id, codes = generated_batch(app, 12)
    login(client, owner)
    response = client.post(f"/batches/{batch_id}/labels/zip")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == sorted(f"{code}.png" for code in codes)
    for name in archive.namelist()[:3]:
        image = Image.open(io.BytesIO(archive.read(name)))
        results = zxingcpp.read_barcodes(image)
        assert [result.text for result in results] == [BASE + name.removesuffix(".png")]


def test_pdf_labels_decode_to_label_urls(app, client):
    _, owner, batch_id, codes = generated_batch(app, 30)
    login(client, owner)
    response = client.post(f"/batches/{batch_id}/labels/pdf")
    assert response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.get_data())
    assert len(document) == 2  # 24 labels per A4 page
    decoded = set()
    text = ""
    for page in document:
        image = page.render(scale=2).to_pil()
        decoded.update(result.text for result in zxingcpp.read_barcodes(image))
        text += page.get_textpage().get_text_range()
    assert decoded == {BASE + code for code in codes}
    assert all(code in text for code in codes)


def test_large_batch_exports_in_background(app, client):
    enterprise_id, owner, product_id = make_producer_with_product(app)
    app.config["DIRECT_EXPORT_LIMIT"] = 10
    batch_id, codes = make_batch(app, enterprise_id, product_id, count=25)
    login(client, owner)
    response = client.post(f"/batches/{batch_id}/labels/csv")
    assert response.status_code == 302
    with app.app_context():
        job = db.session.scalar(select(ExportJob))
        assert job.status == ExportStatus.COMPLETED
        assert job.progress == 25
        job_id = job.id
    page = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert f"/batches/exports/{job_id}/download" in page
    download = client.get(f"/batches/exports/{job_id}/download")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert sorted(row[0] for row in rows[1:]) == sorted(codes)

    _, stranger = make_enterprise(app, "producer")
    client.get("/logout/")
    login(client, stranger)
    assert client.get(f"/batches/exports/{job_id}/download").status_code == 404


def test_large_pdf_export_is_zip_of_parts(app, client, monkeypatch):
    import app.labels as labels

    monkeypatch.setattr(labels, "PDF_LABELS_PER_FILE", 24)
    _, owner, batch_id, codes = generated_batch(app, 30)
    login(client, owner)
    response = client.post(f"/batches/{batch_id}/labels/pdf")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    number = batch_number(app, batch_id)
    assert archive.namelist() == [f"{number}-0001.pdf", f"{number}-0002.pdf"]
    decoded = []
    for name in archive.namelist():
        for page in pypdfium2.PdfDocument(archive.read(name)):
            decoded += [result.text for result in zxingcpp.read_barcodes(page.render(scale=2).to_pil())]
    assert sorted(decoded) == sorted(BASE + code for code in codes)
