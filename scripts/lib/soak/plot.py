"""The run as a picture (PNG, drawn with Pillow): memory over time above, the rate of messages
the SMSC accepted below, faults as shaded spans and restarts as lines on both."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from .run import Run

WIDTH, HEIGHT = 1400, 820
LEFT, RIGHT = 90, 90
PANEL = ((60, 380), (450, 760))  # (top, bottom) of the memory and the rate panels
COLOURS = {
    "drop": (230, 80, 60),
    "hang": (240, 170, 40),
    "refuse": (200, 100, 200),
    "storm": (60, 160, 220),
    "unanswered": (120, 120, 120),
    "backup": (80, 180, 100),
    "restart": (0, 0, 0),
    "restart_hang": (0, 0, 0),
    "restart_refuse": (0, 0, 0),
}
RSS = (30, 90, 200)
OBJECTS = (220, 110, 30)
RATE = (40, 140, 60)
HTTP = (200, 60, 160)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size)
    except (TypeError, OSError):
        return ImageFont.load_default()


def plot(run: Run, samples: list[dict[str, Any]], path: Path) -> Path:
    """Draw the run; the image's path."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(16), _font(13)
    start = run.started or (samples[0]["t"] if samples else 0.0)
    end = max(run.drained or run.ended or start + run.plan.seconds, start + 1)
    if samples:
        end = max(end, samples[-1]["t"])
    span = end - start

    def x(t: float) -> float:
        return LEFT + (t - start) / span * (WIDTH - LEFT - RIGHT)

    title = (
        f"SMS Center soak, seed {run.plan.seed}: {run.plan.seconds / 60:.0f} min at"
        f" {run.plan.rate:g} messages/s" + (" (tracemalloc on)" if run.tracemalloc else "")
    )
    draw.text((LEFT, 18), title, fill="black", font=font)
    for top, bottom in PANEL:
        _faults(draw, run, x, top, bottom)
        _restarts(draw, run, x, top, bottom, small)
        draw.rectangle((LEFT, top, WIDTH - RIGHT, bottom), outline="black")
        _time_axis(draw, x, start, span, bottom, small)

    # memory: RSS (MB, left axis) and heap objects (thousands, right axis), per process
    top, bottom = PANEL[0]
    shown = [s for s in samples if start <= s["t"] <= end]
    rss = [(s["t"], s["rss"] / 2**20, s["pid"]) for s in shown]
    objects = [(s["t"], s["objects"] / 1000, s["pid"]) for s in shown]
    rss_max = max((v for _, v, _ in rss), default=1.0) * 1.15
    obj_max = max((v for _, v, _ in objects), default=1.0) * 1.15
    _series(draw, rss, x, top, bottom, rss_max, RSS)
    _series(draw, objects, x, top, bottom, obj_max, OBJECTS)
    _value_axis(draw, top, bottom, rss_max, LEFT, "left", small, RSS, "RSS MB")
    _value_axis(draw, top, bottom, obj_max, WIDTH - RIGHT, "right", small, OBJECTS, "objects k")
    if start + run.warmup <= end:
        xw = x(start + run.warmup)
        draw.line((xw, top, xw, bottom), fill=(150, 150, 150), width=1)
        draw.text((xw + 3, top + 4), "warm-up ends", fill=(110, 110, 110), font=small)

    # rate: messages the SMSC accepted per 10 s window (SMPP and HTTP)
    top, bottom = PANEL[1]
    smpp: dict[int, int] = {}
    http: dict[int, int] = {}
    for arrivals in run.ledger.arrivals.values():
        for arrival in arrivals:
            bucket = int(arrival.at // 10)
            target = http if arrival.via == "http" else smpp
            target[bucket] = target.get(bucket, 0) + 1
    buckets = range(int(start // 10) + 1, int(end // 10))
    smpp_line = [(b * 10 + 5, smpp.get(b, 0) / 10, 0) for b in buckets]
    http_line = [(b * 10 + 5, http.get(b, 0) / 10, 0) for b in buckets]
    rate_max = max((v for _, v, _ in smpp_line + http_line), default=1.0) * 1.15 or 1.0
    _series(draw, smpp_line, x, top, bottom, rate_max, RATE)
    _series(draw, http_line, x, top, bottom, rate_max, HTTP)
    _value_axis(draw, top, bottom, rate_max, LEFT, "left", small, RATE, "messages/s")
    draw.text((WIDTH - RIGHT - 300, top + 6), "over SMPP", fill=RATE, font=small)
    draw.text((WIDTH - RIGHT - 200, top + 6), "over HTTP", fill=HTTP, font=small)
    _legend(draw, small)
    image.save(path)
    return path


def _series(
    draw: ImageDraw.ImageDraw,
    points: Sequence[tuple[float, float, int]],
    x: Any,
    top: int,
    bottom: int,
    high: float,
    colour: tuple[int, int, int],
) -> None:
    """A line per process (`pid`), so a restart is a break, not a slope."""
    runs: dict[int, list[tuple[float, float]]] = {}
    for t, value, pid in points:
        y = bottom - value / high * (bottom - top) if high else bottom
        runs.setdefault(pid, []).append((x(t), y))
    for line in runs.values():
        if len(line) > 1:
            draw.line(line, fill=colour, width=2)
        for px, py in line:
            draw.ellipse((px - 2, py - 2, px + 2, py + 2), fill=colour)


def _faults(draw: ImageDraw.ImageDraw, run: Run, x: Any, top: int, bottom: int) -> None:
    for fault in run.faults.applied:
        colour = COLOURS.get(fault.kind, (150, 150, 150))
        if fault.kind.startswith("restart"):
            if fault.kind != "restart":
                inner = COLOURS[fault.kind.removeprefix("restart_")]
                _span(draw, x(fault.start), x(fault.end), top, bottom, inner)
            continue
        left, right = x(fault.start), x(max(fault.end, fault.start))
        _span(draw, left, max(right, left + 2), top, bottom, colour)


def _restarts(
    draw: ImageDraw.ImageDraw, run: Run, x: Any, top: int, bottom: int, font: Any
) -> None:
    """Each restart: a band from the stop to the entry loaded again, edged in black."""
    for fault in run.faults.applied:
        if not fault.kind.startswith("restart"):
            continue
        stop = fault.restart.get("stop", fault.start)
        left, right = x(stop), max(x(fault.restart.get("loaded", stop)), x(stop) + 2)
        for y in range(top + 1, bottom, 6):  # hatched, so the fault under it still shows
            draw.line((left, y, right, y), fill=(90, 90, 90))
        draw.line((left, top, left, bottom), fill="black", width=2)
        draw.line((right, top, right, bottom), fill="black", width=1)
        draw.text((left + 3, bottom - 18), "restart", fill="black", font=font)


def _span(
    draw: ImageDraw.ImageDraw, left: float, right: float, top: int, bottom: int, colour: Any
) -> None:
    light = tuple(int(c + (255 - c) * 0.75) for c in colour)
    draw.rectangle((left, top + 1, right, bottom - 1), fill=light)


def _time_axis(
    draw: ImageDraw.ImageDraw, x: Any, start: float, span: float, bottom: int, font: Any
) -> None:
    step = 60 if span <= 1200 else 300
    if span <= 240:
        step = 30
    t = 0
    while t <= span:
        px = x(start + t)
        draw.line((px, bottom, px, bottom + 5), fill="black")
        label = f"{t / 60:g} min"
        draw.text((px - 15, bottom + 8), label, fill="black", font=font)
        t += step


def _value_axis(
    draw: ImageDraw.ImageDraw,
    top: int,
    bottom: int,
    high: float,
    at: int,
    side: str,
    font: Any,
    colour: tuple[int, int, int],
    name: str,
) -> None:
    for i in range(5):
        value = high * i / 4
        y = bottom - (bottom - top) * i / 4
        if side == "left":
            draw.line((at - 5, y, at, y), fill="black")
            draw.text((at - 55, y - 7), f"{value:,.0f}", fill=colour, font=font)
        else:
            draw.line((at, y, at + 5, y), fill="black")
            draw.text((at + 8, y - 7), f"{value:,.0f}", fill=colour, font=font)
    draw.text((at - 80 if side == "left" else at + 8, top - 22), name, fill=colour, font=font)


def _legend(draw: ImageDraw.ImageDraw, font: Any) -> None:
    x0, y0 = LEFT, HEIGHT - 30
    items = [
        ("drop", "drop"),
        ("hang", "hang"),
        ("refuse", "binds refused"),
        ("storm", "0x58 storm"),
        ("unanswered", "unanswered"),
        ("backup", "primary down"),
    ]
    for kind, label in items:
        colour = COLOURS[kind]
        light = tuple(int(c + (255 - c) * 0.6) for c in colour)
        draw.rectangle((x0, y0, x0 + 14, y0 + 14), fill=light, outline=colour)
        draw.text((x0 + 20, y0), label, fill="black", font=font)
        x0 += 150
    draw.line((x0, y0, x0, y0 + 14), fill="black", width=2)
    for y in range(y0 + 1, y0 + 14, 6):
        draw.line((x0, y, x0 + 14, y), fill=(90, 90, 90))
    draw.text((x0 + 20, y0), "Home Assistant restart (to entry loaded)", fill="black", font=font)
