"""Image upload guards: type, size, decompression bombs."""

import io
import os

import pytest
from PIL import Image

from app.errors import ValidationFailed
from app.uploads import check_image, store_image, upload_path
from tests.factories import png_bytes, upload


def test_check_image_accepts_png_and_reencodes(app):
    with app.test_request_context():
        checked = check_image(upload(png_bytes() + b"trailing payload"), field="licence")
        assert checked.image_format == "PNG"
        assert b"trailing payload" not in checked.data
        Image.open(io.BytesIO(checked.data)).verify()


def test_check_image_rejects_text_file(app):
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        check_image(upload(b"<html>not an image</html>", "licence.png"), field="licence")
    assert "不是有效的图片" in caught.value.message


def test_check_image_rejects_oversized_file(app):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        check_image(upload(os.urandom(4096)), field="licence")
    assert "图片过大" in caught.value.message


def test_check_image_rejects_decompression_bomb(app):
    # A 12000×12000 PNG of one colour is a few hundred kilobytes but decodes to 144 Mpx.
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < app.config["MAX_UPLOAD_BYTES"]
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        check_image(upload(buffer.getvalue()), field="licence")
    assert "像素" in caught.value.message


def test_check_image_rejects_unsupported_format(app):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    with app.test_request_context(), pytest.raises(ValidationFailed):
        check_image(upload(buffer.getvalue(), "x.bmp"), field="licence")


def test_store_image_uses_random_name_inside_upload_dir(app):
    with app.test_request_context():
        checked = check_image(upload(png_bytes(), "../../evil.png"), field="licence")
        first = store_image(checked, "licences")
        second = store_image(checked, "licences")
        assert first != second
        assert "evil" not in first
        assert os.path.exists(upload_path(first))
        with pytest.raises(ValueError):
            upload_path("../outside.png")
