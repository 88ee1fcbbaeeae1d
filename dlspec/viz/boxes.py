"""Detected boxes drawn on images with class labels and scores, saved as PNG.

Pillow draws the boxes and labels with its built-in font (no font file needed), so the
pictures look the same on every machine.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["class_colors", "draw_detections"]


def class_colors(num_classes: int) -> list[tuple[int, int, int]]:
    """One bright RGB colour per class, evenly spread around the hue circle (deterministic).

    Example:
        >>> class_colors(3)
        [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    """
    return [
        tuple(round(255 * c) for c in colorsys.hsv_to_rgb(k / num_classes, 1.0, 1.0))
        for k in range(num_classes)
    ]


def _as_pil(image) -> Image.Image:
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[-1] != 3:
        raise ValueError(f"image must be (height, width, 3) RGB; got shape {arr.shape}.")
    if arr.dtype.kind == "f":
        arr = np.clip(arr * 255.0 + 0.5, 0, 255)
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def draw_detections(
    image,
    boxes,
    classes,
    class_names: Sequence[str],
    scores=None,
    *,
    colors: Sequence[tuple[int, int, int]] | None = None,
    thickness: int | None = None,
    font_size: int | None = None,
) -> Image.Image:
    """Draw boxes with "class score" labels on a copy of ``image`` and return it.

    Box corners are rounded to the nearest pixel and clipped to the image, as the course's
    ``draw_boxes`` does; a label sits above its box, or inside it at the top edge.
    No boxes (``k = 0``) returns an unchanged copy.

    Args:
        image: a PIL image, or an ``(H, W, 3)`` array (uint8, or floats in [0, 1]).
        boxes: ``(k, 4)`` ``[y_min, x_min, y_max, x_max]`` in pixels (``yolo_eval``'s order).
        classes: ``(k,)`` class indices into ``class_names``.
        class_names: the names of the classes.
        scores: optional ``(k,)`` scores printed after the names.
        colors: one RGB colour per class; default :func:`class_colors`.
        thickness: line width in pixels; default scales with the image size.
        font_size: label height in pixels; default scales with the image size.

    Returns:
        The new RGB ``PIL.Image``.

    Raises:
        ValueError: boxes not ``(k, 4)``, a box with ``y_max < y_min`` or ``x_max < x_min``,
            lengths that differ, or a class index outside ``class_names``.

    Example:
        >>> img = draw_detections(np.zeros((32, 32, 3)), [[4, 4, 20, 28]], [0], ["car"], [0.9])
        >>> img.size, img.getpixel((4, 18))
        ((32, 32), (255, 0, 0))
    """
    picture = _as_pil(image).copy()
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 4)
    classes = np.asarray(classes).reshape(-1).astype(np.int64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be (k, 4) [y_min, x_min, y_max, x_max]; got {boxes.shape}.")
    if len(classes) != len(boxes) or (scores is not None and np.size(scores) != len(boxes)):
        raise ValueError(
            f"boxes, classes and scores must have one entry per box; got {len(boxes)}, "
            f"{len(classes)} and {None if scores is None else np.size(scores)}."
        )
    flipped = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if np.any(flipped):
        raise ValueError(
            f"boxes must be [y_min, x_min, y_max, x_max] with max >= min; got "
            f"{boxes[flipped][0].tolist()}. Did you pass [x_min, y_min, x_max, y_max]?"
        )
    if len(classes) and (classes.min() < 0 or classes.max() >= len(class_names)):
        raise ValueError(
            f"class indices must be in [0, {len(class_names)}); got {classes.tolist()}."
        )
    colors = list(colors) if colors is not None else class_colors(len(class_names))
    width, height = picture.size
    thickness = thickness or max(1, (width + height) // 300)
    font = ImageFont.load_default(size=font_size or max(8, min(width, height) // 30))
    draw = ImageDraw.Draw(picture)
    values = np.zeros(len(boxes)) if scores is None else np.asarray(scores).reshape(-1)
    for box, cls, score in zip(boxes, classes, values):
        top, left = (max(0, int(np.floor(v + 0.5))) for v in box[:2])
        bottom = min(height - 1, int(np.floor(box[2] + 0.5)))
        right = min(width - 1, int(np.floor(box[3] + 0.5)))
        color = tuple(colors[cls])
        draw.rectangle([left, top, right, bottom], outline=color, width=thickness)
        label = class_names[cls] if scores is None else f"{class_names[cls]} {score:.2f}"
        x0, y0, x1, y1 = draw.textbbox((0, 0), label, font=font)
        text_w, text_h = x1 - x0 + 2, y1 - y0 + 2
        y = top - text_h if top - text_h >= 0 else top + 1
        x = max(0, min(left, width - text_w))
        draw.rectangle([x, y, x + text_w, y + text_h], fill=color)
        dark = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2] < 128
        draw.text((x + 1, y - y0 + 1), label, fill=(255,) * 3 if dark else (0,) * 3, font=font)
    return picture
