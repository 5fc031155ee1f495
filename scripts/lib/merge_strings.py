"""Merge translation fragments into strings.json and translations/{en,ru}.json.

Usage: python scripts/lib/merge_strings.py FRAGMENT.en.json FRAGMENT.ru.json
A fragment has the same shape as strings.json (any subset of its sections); its keys are
added or replace existing ones. strings.json and en.json receive the English fragment.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import Any

ROOT = Path(__file__).resolve().parents[2] / "custom_components" / "smscentre"


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge extra into base recursively."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = value
    return base


def main(en_path: str, ru_path: str) -> None:
    """Merge the two fragments."""
    en = json.loads(Path(en_path).read_text(encoding="utf-8"))
    ru = json.loads(Path(ru_path).read_text(encoding="utf-8"))
    for target, fragment in (
        (ROOT / "strings.json", en),
        (ROOT / "translations" / "en.json", en),
        (ROOT / "translations" / "ru.json", ru),
    ):
        data = json.loads(target.read_text(encoding="utf-8"))
        deep_merge(data, fragment)
        target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
