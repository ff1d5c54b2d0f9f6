"""Decode image files to upright RGB Pillow images.

The EXIF orientation tag (0x0112) is applied with
:func:`PIL.ImageOps.exif_transpose`, so a photo stored sideways with a
"rotate 90" tag reaches the model the way a viewer shows it. Pixel data is
decoded eagerly, so a truncated file fails here and not later inside a
processor.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from harness.errors import MediaError

logger = logging.getLogger(__name__)

# Decompression bombs raise instead of warning; 178 megapixels is twice Pillow's default limit.
Image.MAX_IMAGE_PIXELS = 2 * 89_478_485


def media_error(reason: str, path: Path, example_id: str | None, fix: str) -> MediaError:
    """Build a :class:`MediaError` whose message names the sample, the path and the fix."""
    sample = f"sample {example_id!r}: " if example_id is not None else ""
    return MediaError(f"{sample}{reason}: {path}. {fix}", example_id=example_id, path=str(path))


_IMAGE_FIX = "Replace it with a complete JPEG or PNG image, or fix the image path in the task data."


def load_image(path: str | Path, example_id: str | None = None) -> Image.Image:
    """Read ``path`` as an RGB image with its EXIF orientation applied.

    Raises :class:`MediaError` naming ``example_id`` and ``path`` when the file
    is missing, is not an image, or is truncated or corrupt.
    """
    path = Path(path)
    if not path.exists():
        raise media_error("image file not found", path, example_id, _IMAGE_FIX)
    if not path.is_file():
        raise media_error("image path is not a file", path, example_id, _IMAGE_FIX)

    try:
        with Image.open(path) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            image = upright.convert("RGB")
    except UnidentifiedImageError:
        raise media_error("file is not a readable image", path, example_id, _IMAGE_FIX) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # Pillow reports truncated data as OSError and some malformed headers as SyntaxError or ValueError.
        raise media_error(f"image is corrupt or truncated ({error})", path, example_id, _IMAGE_FIX) from None

    logger.debug("Loaded %s as %dx%d RGB", path, image.width, image.height)
    return image
