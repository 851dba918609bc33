"""Image uploads: type, size and decompression-bomb checks, stored under random names.

Every uploaded image is decoded by Pillow and written again, so what is stored is a
real image of an accepted format with no trailing payload or metadata.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from app.errors import ValidationFailed

ACCEPTED_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


@dataclass(frozen=True)
class CheckedImage:
    """An uploaded image that passed the checks, ready to be written."""

    data: bytes
    image_format: str

    @property
    def extension(self) -> str:
        return ACCEPTED_FORMATS[self.image_format]


def check_image(file_storage, field: str) -> CheckedImage:
    """Read an upload and verify it is an acceptable image.

    Raises ``ValidationFailed`` when the upload is missing, too large, not an image of an
    accepted format, or would decode to more pixels than ``MAX_IMAGE_PIXELS``.
    """
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise ValidationFailed(_("Please choose an image to upload."), field=field)

    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationFailed(
            _(
                "The image is too large: the limit is %(limit)d MB.",
                limit=max(1, max_bytes // (1024 * 1024)),
            ),
            field=field,
        )
    if not data:
        raise ValidationFailed(_("The uploaded file is empty."), field=field)

    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                # The header gives the size before any pixel is decoded.
                width, height = image.size
                if width * height > max_pixels:
                    raise _too_many_pixels(width, height, field)
                image_format = image.format
                if image_format not in ACCEPTED_FORMATS:
                    raise _not_an_image(field)
                image.load()
                cleaned = _reencode(image, image_format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(
            _("The image is rejected: its pixel size is too large to process safely."), field=field
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_an_image(field) from None

    return CheckedImage(cleaned, image_format)


def _reencode(image: Image.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(out, format=image_format)
    return out.getvalue()


def _too_many_pixels(width: int, height: int, field: str) -> ValidationFailed:
    return ValidationFailed(
        _(
            "The image is rejected: %(width)d×%(height)d pixels is more than this platform "
            "accepts. Please upload a smaller image.",
            width=width,
            height=height,
        ),
        field=field,
    )


def _not_an_image(field: str) -> ValidationFailed:
    return ValidationFailed(
        _("The file is not a valid image. Please upload a JPEG, PNG, WEBP or GIF picture."),
        field=field,
    )


def store_image(checked: CheckedImage, folder: str) -> str:
    """Write a checked image under ``UPLOAD_DIR/folder`` with a random name.

    Returns the stored name relative to ``UPLOAD_DIR`` (``folder/<random>.<ext>``).
    """
    name = f"{folder}/{secrets.token_hex(16)}{checked.extension}"
    path = upload_path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(checked.data)
    return name


def upload_path(name: str) -> str:
    """Return the absolute path of a stored upload, refusing names that leave UPLOAD_DIR."""
    root = os.path.realpath(current_app.config["UPLOAD_DIR"])
    path = os.path.realpath(os.path.join(root, name))
    if not path.startswith(root + os.sep):
        raise ValueError(f"upload name leaves the upload folder: {name!r}")
    return path


def delete_upload(name: str | None) -> None:
    """Remove a stored upload if it exists."""
    if not name:
        return
    with contextlib.suppress(FileNotFoundError):
        os.remove(upload_path(name))
