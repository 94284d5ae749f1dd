"""Demo images for visible signatures: a blue handwritten-looking signature and a red seal.

Real deployments use the scanned signature image of each signer and the agency's registered
seal image (Decree 30, Appendix I: transparent PNG, the seal at real size). These generated
images serve demo data and tests; they are deliberately plain so nobody mistakes them for a
real seal.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from .fonts import source_font

SIGNATURE_BLUE = (18, 45, 160, 255)
SEAL_RED = (214, 24, 32, 255)
# Resolution of generated images, in pixels per millimetre (about 300 dpi).
PX_PER_MM = 12


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _initials_and_surname(name: str) -> str:
    """Vietnamese names put the given name last: "Phạm Minh Chính" signs as "M. Chính"."""
    words = name.split()
    if len(words) <= 1:
        return name
    return f"{words[-2][0]}. {words[-1]}"


def signature_png(name: str, *, width_mm: float = 60, height_mm: float = 25) -> bytes:
    """A transparent PNG with a blue, slanted, handwriting-like signature of ``name``."""
    width, height = int(width_mm * PX_PER_MM), int(height_mm * PX_PER_MM)
    # Drawn upright on a wider canvas, then sheared to the right like a hand's slant.
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    text = _initials_and_surname(name)
    size = int(height * 0.5)
    font = ImageFont.truetype(str(source_font("italic")), size)
    while size > 10 and draw.textlength(text, font=font) > width * 0.8:
        size -= 4
        font = ImageFont.truetype(str(source_font("italic")), size)
    text_width = draw.textlength(text, font=font)
    x0 = (width - text_width) / 2
    y0 = height * 0.12
    stroke = max(2, size // 22)
    draw.text((x0, y0), text, font=font, fill=SIGNATURE_BLUE, stroke_width=stroke // 2)
    # A flourish: a long wave under the name, starting left of it, rising to the right.
    points = []
    start, end = x0 - width * 0.05, x0 + text_width + width * 0.06
    base = y0 + size * 1.15
    steps = 80
    for i in range(steps + 1):
        t = i / steps
        x = start + (end - start) * t
        y = base - t * size * 0.35 + math.sin(t * math.pi * 3) * size * 0.08
        points.append((x, y))
    draw.line(points, fill=SIGNATURE_BLUE, width=stroke, joint="curve")
    slanted = canvas.transform(
        canvas.size,
        Image.Transform.AFFINE,
        (1, 0.25, -height * 0.12, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    return _png(slanted)


def _draw_text_on_ring(
    image: Image.Image,
    text: str,
    *,
    centre: float,
    radius: float,
    font: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int, int],
) -> None:
    """Write ``text`` clockwise along the top of a circle, letters upright to the centre."""
    probe = ImageDraw.Draw(image)
    widths = [probe.textlength(ch, font=font) for ch in text]
    spacing = font.size * 0.08
    total = sum(widths) + spacing * (len(text) - 1)
    # The arc the text spans, centred on the top of the ring (at most 300 degrees).
    span = min(total / radius, math.radians(300))
    scale = span / (total / radius)
    angle = -math.pi / 2 - span / 2
    ascent, descent = font.getmetrics()
    for ch, w in zip(text, widths, strict=True):
        step = (w + spacing) * scale / radius
        mid = angle + (w * scale / radius) / 2
        if ch.strip():
            glyph_size = int(max(w, 1) + font.size)
            glyph = Image.new("RGBA", (glyph_size, ascent + descent), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text(((glyph_size - w) / 2, 0), ch, font=font, fill=fill)
            rotated = glyph.rotate(
                -math.degrees(mid) - 90, expand=True, resample=Image.Resampling.BICUBIC
            )
            x = centre + radius * math.cos(mid) - rotated.width / 2
            y = centre + radius * math.sin(mid) - rotated.height / 2
            image.alpha_composite(rotated, (int(x), int(y)))
        angle += step


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.382
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return points


def seal_png(body_name: str, *, diameter_mm: float = 36, country: str = "VIỆT NAM") -> bytes:
    """A transparent PNG of a red round seal: ``body_name`` around the ring, a star inside.

    ``diameter_mm`` is the real size; the seal field in the layout uses the same size.
    """
    size = int(diameter_mm * PX_PER_MM)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    outer_w = max(4, size // 45)
    draw.ellipse(
        (outer_w / 2, outer_w / 2, size - outer_w / 2, size - outer_w / 2),
        outline=SEAL_RED,
        width=outer_w,
    )
    inner_r = size * 0.30
    draw.ellipse(
        (c - inner_r, c - inner_r, c + inner_r, c + inner_r),
        outline=SEAL_RED,
        width=max(2, outer_w // 2),
    )
    ring_font = ImageFont.truetype(str(source_font("bold")), int(size * 0.085))
    _draw_text_on_ring(
        image,
        body_name.upper(),
        centre=c,
        radius=size * 0.40,
        font=ring_font,
        fill=SEAL_RED,
    )
    draw.polygon(_star(c, c - inner_r * 0.18, inner_r * 0.42), fill=SEAL_RED)
    small = ImageFont.truetype(str(source_font("bold")), int(size * 0.055))
    label_w = draw.textlength(country, font=small)
    draw.text((c - label_w / 2, c + inner_r * 0.38), country, font=small, fill=SEAL_RED)
    return _png(image)
