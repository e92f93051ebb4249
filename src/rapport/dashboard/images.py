"""Checking an uploaded dashboard background: a real raster image of a known type and bounded size."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BACKGROUND_BYTES = 5 * 1024 * 1024
MAX_SIDE = 8000
# Raster formats only: an SVG could carry script, so it is never accepted.
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "GIF": ("gif", "image/gif"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {extension: content_type for extension, content_type in FORMATS.values()}


@dataclass(frozen=True)
class CheckedImage:
    extension: str
    content_type: str
    width: int
    height: int


def check_background(file: IO[bytes], size: int | None) -> CheckedImage:
    """Raise ValidationError on the "background" field unless `file` is an acceptable image."""
    if size is None or size <= 0:
        raise ValidationError({"background": _("The file is empty.")})
    if size > MAX_BACKGROUND_BYTES:
        raise ValidationError(
            {"background": _("The image is larger than %(mb)d MB.") % {"mb": MAX_BACKGROUND_BYTES // (1024 * 1024)}}
        )
    try:
        file.seek(0)
        with warnings.catch_warnings():
            # A decompression-bomb warning is an error here: such an image is refused, not decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format = image.format or ""
                width, height = image.size
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError, ValueError):
        raise ValidationError({"background": _("The file is not a PNG, JPEG, GIF or WebP image.")}) from None
    finally:
        file.seek(0)
    if image_format not in FORMATS:
        raise ValidationError({"background": _("The file is not a PNG, JPEG, GIF or WebP image.")})
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError({"background": _("The image is wider or taller than %(px)d pixels.") % {"px": MAX_SIDE}})
    extension, content_type = FORMATS[image_format]
    return CheckedImage(extension=extension, content_type=content_type, width=width, height=height)
