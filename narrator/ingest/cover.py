"""A book's cover, made fit to embed: every chapter MP3 carries a copy, so it must be small.

Covers in EPUBs range from thumbnails to 60 MB scans. `embeddable_cover` keeps a cover that is
already a modest JPEG or PNG as it is, and otherwise decodes it (Pillow, bounded in pixels)
and writes a JPEG at most `MAX_SIDE` pixels on its longest side — what audiobook players show
well — and at most `KEEP_BYTES` where a lower quality or, last, a smaller picture gets it there.
"""
from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

MAX_SIDE = 1400
"""Longest side of an embedded cover, in pixels (Apple Books asks for 1400 px squares)."""
KEEP_BYTES = 500_000
"""A JPEG or PNG up to this size and `MAX_SIDE` is embedded unchanged."""
MAX_PIXELS = 60_000_000
"""Larger images are not decoded at all (a 60 Mpx cover already takes ~180 MB to decode)."""
QUALITY = 85


def embeddable_cover(data: bytes) -> tuple[bytes | None, list[str]]:
    """(cover bytes to embed or None, warnings). JPEG or PNG in; a small JPEG or PNG out."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))  # reads the header only
        kind, width, height = image.format, image.width, image.height
        if kind not in ("JPEG", "PNG"):
            return None, ["the cover image is not JPEG or PNG, so it is not embedded"]
        if max(width, height) <= MAX_SIDE and len(data) <= KEEP_BYTES:
            return data, []
        if width * height > MAX_PIXELS:
            return None, [f"the cover image is {width}×{height} pixels, too large to decode; it is not embedded"]
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that is enough
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        if image.mode not in ("RGB", "L"):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))  # transparency on white, not black
        return _small_jpeg(image), []
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        return None, [f"the cover image could not be read ({type(e).__name__}), so it is not embedded"]


def _small_jpeg(image: Image.Image) -> bytes:
    """JPEG of at most `KEEP_BYTES` where quality allows: photos fit at q85; grain and noise need
    a lower quality, and a smaller picture as the last resort."""
    for side, quality in ((MAX_SIDE, QUALITY), (MAX_SIDE, 70), (MAX_SIDE, 55), (1000, 55), (700, 55)):
        if max(image.size) > side:
            image = image.copy()
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= KEEP_BYTES:
            break
    return out.getvalue()
