"""The brand images: Home Assistant's brand rules, drawn by scripts/lib/brand.py, served by
Home Assistant from the integration's own brand/ folder (2026.3 and newer).

The rules are home-assistant/brands' "Image specification": PNG, transparency, trimmed to the
subject, icons 1:1 at 256 and 512 px, logos with their shortest side 128-256 px (256-512 for
@2x), dark_ variants for dark themes.
"""

from __future__ import annotations

from pathlib import Path
import struct

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smscentre.const import DOMAIN

ROOT = Path(__file__).resolve().parents[1]
BRAND = ROOT / "custom_components" / "smscentre" / "brand"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA = 6  # PNG colour type: truecolour with alpha
NAMES = sorted(
    f"{dark}{kind}{hidpi}.png"
    for dark in ("", "dark_")
    for kind in ("icon", "logo")
    for hidpi in ("", "@2x")
)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's chunks, (type, payload) in file order."""
    assert data[:8] == PNG_SIGNATURE
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks.append((kind, data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def _header(name: str) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from the file's IHDR chunk."""
    chunks = _chunks((BRAND / name).read_bytes())
    kind, payload = chunks[0]
    assert kind == b"IHDR"
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", payload)
    return width, height, depth, colour


def test_the_brand_folder_has_every_image() -> None:
    """All eight names Home Assistant serves, nothing else (only these ship)."""
    assert sorted(path.name for path in BRAND.iterdir()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_png_header(name: str) -> None:
    """8-bit RGBA, no metadata chunks: pixels and the end, nothing else."""
    assert _header(name)[2:] == (8, RGBA)
    kinds = [kind for kind, _ in _chunks((BRAND / name).read_bytes())]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert set(kinds[1:-1]) == {b"IDAT"}, kinds


@pytest.mark.parametrize("dark", ["", "dark_"])
def test_sizes(dark: str) -> None:
    """Icons 256 and 512 square; logos landscape, shortest side the largest allowed; @2x is
    twice the other; a dark_ variant is the size of its light one."""
    assert _header(f"{dark}icon.png")[:2] == (256, 256)
    assert _header(f"{dark}icon@2x.png")[:2] == (512, 512)
    width, height = _header(f"{dark}logo.png")[:2]
    assert height == 256 < width
    assert _header(f"{dark}logo@2x.png")[:2] == (2 * width, 2 * height)
    for kind in ("icon", "logo"):
        assert _header(f"{dark}{kind}.png") == _header(f"{kind}.png")


@pytest.mark.parametrize("name", NAMES)
def test_transparent_and_trimmed(name: str) -> None:
    """A transparent background (the corners), and the subject reaches every edge: something
    solid on each side, no transparent border."""
    with Image.open(BRAND / name) as image:
        alpha = image.getchannel("A")
    width, height = alpha.size
    for corner in ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)):
        assert alpha.getpixel(corner) == 0, corner
    assert alpha.getbbox() == (0, 0, width, height)
    edges = {
        "top": alpha.crop((0, 0, width, 1)),
        "bottom": alpha.crop((0, height - 1, width, height)),
        "left": alpha.crop((0, 0, 1, height)),
        "right": alpha.crop((width - 1, 0, width, height)),
    }
    for side, edge in edges.items():
        assert edge.getextrema()[1] == 255, side
    # Mostly see-through: a mark on a transparent ground, not a filled tile.
    histogram = alpha.histogram()
    assert histogram[0] > width * height // 5


def test_dark_variants_differ() -> None:
    """Each dark_ image is drawn for a dark background, not a copy of the light one."""
    for kind in ("icon", "logo", "icon@2x", "logo@2x"):
        assert (BRAND / f"dark_{kind}.png").read_bytes() != (BRAND / f"{kind}.png").read_bytes()


def test_images_are_what_the_source_draws() -> None:
    """The committed PNGs are scripts/lib/brand.py's drawing (`scripts/brand` redraws them).

    Text goes through the FreeType of the Pillow wheel, so only the Pillow of the pinned Home
    Assistant is held to the same pixels.
    """
    pinned = next(
        line.partition("==")[2].strip()
        for line in (ROOT / "requirements_test.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("homeassistant==")
    )
    if pinned != HA_VERSION:
        pytest.skip(f"the images are drawn with Home Assistant {pinned}'s Pillow")
    from scripts.lib import brand

    assert brand.stale(BRAND) == []
    assert sorted(brand.images()) == NAMES


@pytest.mark.skipif(
    AwesomeVersion(HA_VERSION) < AwesomeVersion("2026.3.0"),
    reason="Home Assistant serves a custom integration's brand/ folder from 2026.3 on",
)
@pytest.mark.parametrize("name", NAMES)
async def test_home_assistant_serves_our_images(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, name: str
) -> None:
    """/api/brands/integration/smscentre/<name> answers with our file, not the CDN's."""
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    response = await client.get(f"/api/brands/integration/{DOMAIN}/{name}")
    assert response.status == 200
    assert response.content_type == "image/png"
    assert await response.read() == (BRAND / name).read_bytes()
