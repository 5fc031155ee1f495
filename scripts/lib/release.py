"""What a release publishes, for .github/workflows/release.yml (standard library only).

    python3 scripts/lib/release.py zip dist/smscentre.zip   # the asset HACS installs
    python3 scripts/lib/release.py notes 1.0.0              # that version's CHANGELOG entry

The zip holds custom_components/smscentre/'s files at its root (hacs.json's zip_release): HACS
unpacks it into custom_components/smscentre/, so an install gets the integration and nothing of
the repository's tests, benchmark or simulator. The same tree makes the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
import sys
import zipfile

ROOT = Path(__file__).resolve().parents[2]
COMPONENT = ROOT / "custom_components" / "smscentre"
CHANGELOG = ROOT / "CHANGELOG.md"
# keep-a-changelog headings: "## [1.0.0] - 2026-12-07" or "## [Unreleased]"
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?$", re.M)
EPOCH = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest time: no build time in the asset


def manifest_version() -> str:
    """The integration's version, as Home Assistant and HACS read it."""
    manifest = json.loads((COMPONENT / "manifest.json").read_text(encoding="utf-8"))
    return str(manifest["version"])


def entries(text: str) -> list[tuple[str, str | None, str]]:
    """A keep-a-changelog file's entries, newest first: (version, date or None, body)."""
    found = []
    headings = list(HEADING.finditer(text))
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        end = following.start() if following else _links_start(text, heading.end())
        body = text[heading.end() : end].strip()
        found.append((heading["version"], heading["date"], body))
    return found


def _links_start(text: str, after: int) -> int:
    """Where the link references at the end ("[1.0.0]: https://...") begin."""
    links = re.search(r"^\[[^\]]+\]: ", text[after:], re.M)
    return after + links.start() if links else len(text)


def notes(version: str) -> str:
    """The CHANGELOG entry of version, as release notes; KeyError when there is none."""
    for found, _, body in entries(CHANGELOG.read_text(encoding="utf-8")):
        if found == version:
            return body + "\n"
    raise KeyError(f"CHANGELOG.md has no entry for {version}")


def files() -> Iterator[Path]:
    """The integration's files, sorted, without Python's caches."""
    for path in sorted(COMPONENT.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def build_zip(target: Path) -> list[str]:
    """Write the asset; return the names in it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files():
            name = path.relative_to(COMPONENT).as_posix()
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
            names.append(name)
    return names


def main(argv: list[str]) -> int:
    match argv:
        case ["zip", target]:
            names = build_zip(Path(target))
            print(f"{target}: {len(names)} files of version {manifest_version()}", file=sys.stderr)
        case ["notes", version]:
            try:
                sys.stdout.write(notes(version))
            except KeyError as err:
                print(err.args[0], file=sys.stderr)
                return 1
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
