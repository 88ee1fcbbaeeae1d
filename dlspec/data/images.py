"""Image files read with Pillow: one place for "missing", "not an image" and "not 8-bit" errors.

The labs that take a user's photo (car detection, face recognition) open it here, so that a
missing file, a file that is not an image, and a 16-bit or floating-point image get the same
clear errors.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from dlspec.data.paths import CorruptDataError

__all__ = ["EIGHT_BIT_MODES", "check_eight_bit", "open_image"]

#: Pillow modes with 8-bit channels, which convert to RGB or grayscale without loss of range
EIGHT_BIT_MODES = frozenset(
    {"1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr"}
)


def open_image(path: str | os.PathLike) -> Image.Image:
    """Decode the image file ``path`` fully and return it (the file is closed again).

    Raises:
        FileNotFoundError: no file at ``path``.
        CorruptDataError: the file is not a readable image (truncated, or another format).

    Example:
        >>> open_image("missing.jpg")
        Traceback (most recent call last):
        ...
        FileNotFoundError: No image file at missing.jpg (not found): pass the path of an image.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No image file at {path} (not found): pass the path of an image.")
    try:
        with Image.open(path) as opened:
            opened.load()
            return opened.copy()
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise CorruptDataError(f"{path} is not a readable image ({err}).") from err


def check_eight_bit(image: Image.Image, source: object = "the image") -> Image.Image:
    """Return ``image`` if its mode is one of :data:`EIGHT_BIT_MODES`, else raise ``ValueError``.

    Args:
        image: a Pillow image.
        source: what to call it in the message (its path, say).

    Example:
        >>> check_eight_bit(Image.new("F", (2, 2)))
        Traceback (most recent call last):
        ...
        ValueError: the image has image mode 'F' (16-bit or floating point); expected an 8-bit \
image (1, CMYK, L, LA, La, P, PA, RGB, RGBA, RGBX, YCbCr). Convert it first, e.g. with \
PIL's image.convert('RGB').
    """
    if image.mode not in EIGHT_BIT_MODES:
        raise ValueError(
            f"{source} has image mode {image.mode!r} (16-bit or floating point); expected an "
            f"8-bit image ({', '.join(sorted(EIGHT_BIT_MODES))}). Convert it first, e.g. with "
            "PIL's image.convert('RGB')."
        )
    return image
