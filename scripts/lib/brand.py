"""The integration's brand images, drawn here so that they can be drawn again.

The mark is a speech bubble (an SMS) with a house cut out of it (for a home): flat shapes that
stay legible at 16 px. The house is transparent, so it takes the colour of the
page it sits on. The logo is the mark and the words "SMS Center". Home Assistant's brand rules
(home-assistant/brands, "Image specification") ask for PNGs with transparency, trimmed to their
subject, icons of 256x256 and 512x512, logos whose shortest side is 256 and 512 (the largest
allowed); dark_ variants are for dark themes, where the light ones' text would vanish.

Shapes are drawn SUPERSAMPLE times larger and reduced by area averaging, which anti-aliases
every edge without a vector renderer; the same Pillow draws the same bytes.

    scripts/brand            # (re)write custom_components/smscentre/brand/*.png
    scripts/brand --check    # exit 1 when a committed image differs from what this draws
"""

from __future__ import annotations

from dataclasses import dataclass
import io
import math
from pathlib import Path
import sys

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
BRAND = ROOT / "custom_components" / "smscentre" / "brand"
SUPERSAMPLE = 4
TEXT = ("SMS", " Center")


@dataclass(frozen=True)
class Palette:
    """Colours of one variant: the bubble (and "SMS"), and the rest of the words."""

    mark: tuple[int, int, int]
    text: tuple[int, int, int]


LIGHT = Palette(mark=(0x0B, 0x87, 0x63), text=(0x1B, 0x1F, 0x24))
DARK = Palette(mark=(0x3C, 0xC9, 0x95), text=(0xEE, 0xF1, 0xF4))


def _mark_mask(size: int) -> Image.Image:
    """The mark's coverage (L mode) in a size x size square; the bubble touches every side."""
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)

    def xy(x: float, y: float) -> tuple[float, float]:
        return (x * size, y * size)

    # The bubble: a rounded body over the top 80 %, its tail reaching the bottom edge.
    draw.rounded_rectangle((*xy(0, 0), *xy(1, 0.80)), radius=0.2 * size, fill=255)
    draw.polygon([xy(0.17, 0.70), xy(0.47, 0.70), xy(0.175, 1.0), xy(0.135, 1.0)], fill=255)
    # The house, cut out: roof, chimney, walls; the door is the bubble's colour again.
    draw.polygon([xy(0.5, 0.12), xy(0.80, 0.41), xy(0.20, 0.41)], fill=0)
    draw.rectangle((*xy(0.62, 0.16), *xy(0.70, 0.32)), fill=0)
    draw.rectangle((*xy(0.30, 0.36), *xy(0.70, 0.66)), fill=0)
    draw.rectangle((*xy(0.44, 0.48), *xy(0.56, 0.66)), fill=255)
    return mask


def _solid(mask: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGBA", mask.size, (*colour, 0))
    image.putalpha(mask)
    return image


def _reduce(image: Image.Image, factor: int) -> Image.Image:
    """Area-average by an integer factor (premultiplied, so edges keep their colour)."""
    return image.resize(
        (image.width // factor, image.height // factor), Image.Resampling.BOX, reducing_gap=None
    )


def icon(palette: Palette) -> Image.Image:
    """The square icon, drawn at SUPERSAMPLE x the @2x size (512)."""
    return _solid(_mark_mask(512 * SUPERSAMPLE), palette.mark)


def _words(font: ImageFont.FreeTypeFont, stroke: int, palette: Palette) -> Image.Image:
    """ "SMS Center" in the palette's two colours, cropped to its ink."""
    _, _, right, bottom = font.getbbox("".join(TEXT), stroke_width=stroke)
    size = (math.ceil(right) + 2 * stroke, math.ceil(bottom) + 2 * stroke)
    canvas = Image.new("RGBA", size, (*palette.text, 0))
    x = 0.0
    for text, colour in zip(TEXT, (palette.mark, palette.text), strict=True):
        mask = Image.new("L", canvas.size, 0)
        ImageDraw.Draw(mask).text((x, 0), text, font=font, fill=255, stroke_width=stroke)
        canvas.alpha_composite(_solid(mask, colour))
        x += font.getlength(text)
    return canvas.crop(canvas.getchannel("A").getbbox())


def logo(palette: Palette) -> Image.Image:
    """The mark, then "SMS Center" centred on the bubble's body, trimmed on every side.

    Drawn at SUPERSAMPLE x the @2x height (512), its width a multiple of twice SUPERSAMPLE so
    that both sizes are whole reductions of it and the words end on the last column.
    """
    big = 512 * SUPERSAMPLE
    font = ImageFont.load_default(size=round(big * 0.46))
    assert isinstance(font, ImageFont.FreeTypeFont), "Pillow without FreeType draws no logo"
    words = _words(font, round(big * 0.012), palette)  # a stroke for weight: one regular cut
    step = 2 * SUPERSAMPLE
    width = math.ceil((big * 1.16 + words.width) / step) * step
    canvas = Image.new("RGBA", (width, big), (*palette.text, 0))
    canvas.alpha_composite(_solid(_mark_mask(big), palette.mark))
    # centred on the bubble's body (the top 80 %), not on the tail
    canvas.alpha_composite(words, (width - words.width, round(big * 0.40 - words.height / 2)))
    return canvas


def images() -> dict[str, Image.Image]:
    """Every file of the brand folder, by name: @2x at 512, the others at 256 px."""
    drawn: dict[str, Image.Image] = {}
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        for name, master in (("icon", icon(palette)), ("logo", logo(palette))):
            drawn[f"{prefix}{name}.png"] = _reduce(master, 2 * SUPERSAMPLE)
            drawn[f"{prefix}{name}@2x.png"] = _reduce(master, SUPERSAMPLE)
    return drawn


def png(image: Image.Image) -> bytes:
    """Lossless, as small as zlib makes it, no metadata."""
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def stale(folder: Path = BRAND) -> list[str]:
    """The files of folder that are missing or whose pixels are not what this module draws."""
    found = []
    for name, image in images().items():
        path = folder / name
        if not path.exists():
            found.append(name)
            continue
        with Image.open(path) as committed:
            if committed.mode != image.mode or committed.tobytes() != image.tobytes():
                found.append(name)
    return found


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        if names := stale():
            print(f"not what scripts/lib/brand.py draws: {', '.join(names)}", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    BRAND.mkdir(exist_ok=True)
    for name, image in images().items():
        data = png(image)
        (BRAND / name).write_bytes(data)
        print(f"{name}: {image.width}x{image.height}, {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
