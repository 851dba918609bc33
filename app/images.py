"""Thumbnails of stored upload images, made with Pillow.

A thumbnail sits beside its image in the same upload folder, named after it
(``products/<random>.png`` → ``products/<random>_thumb.jpg``), so the name of the
thumbnail never needs a column of its own.
"""

from __future__ import annotations

import os

from PIL import Image

from app.uploads import delete_upload, upload_path

THUMBNAIL_SIZE = (240, 240)
THUMBNAIL_SUFFIX = "_thumb.jpg"


def thumbnail_name(stored_name: str) -> str:
    """Return the stored name of the thumbnail of ``stored_name``."""
    stem, _extension = os.path.splitext(stored_name)
    return stem + THUMBNAIL_SUFFIX


def make_thumbnail(stored_name: str, size: tuple[int, int] = THUMBNAIL_SIZE) -> str:
    """Write a JPEG thumbnail of a stored image, at most ``size`` pixels, and return its name.

    The image must have passed ``app.uploads.check_image``: it is trusted to decode safely.
    Transparent areas are filled with white because JPEG has no alpha channel.
    """
    name = thumbnail_name(stored_name)
    with Image.open(upload_path(stored_name)) as image:
        image.seek(0)  # the first frame of an animated GIF or WEBP
        image.thumbnail(size)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, (255, 255, 255))
            background.paste(image, mask=image.getchannel("A"))
            image = background
        elif image.mode != "RGB":
            image = image.convert("RGB")
        image.save(upload_path(name), format="JPEG", quality=85)
    return name


def delete_image_with_thumbnail(stored_name: str | None) -> None:
    """Remove a stored image and its thumbnail, if they exist."""
    if not stored_name:
        return
    delete_upload(stored_name)
    delete_upload(thumbnail_name(stored_name))
