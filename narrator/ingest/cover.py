"""A book's cover, made fit to embed: every chapter MP3 carries a copy, so it must be small.

Covers in EPUBs range from thumbnails to 60 MB scans. `embeddable_cover` keeps a cover that is
already a modest JPEG or PNG as it is, and otherwise decodes it (Pillow, bounded in pixels)
and writes a JPEG at most `MAX_SIDE` pixels on its longest side — what audiobook players show
well, typically 150–400 KB.
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
        out = io.BytesIO()
        image.save(out, "JPEG", quality=QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        return None, [f"the cover image could not be read ({type(e).__name__}), so it is not embedded"]
    return out.getvalue(), []
