"""The vendored browser libraries: each file is listed in static/vendor/README.md with its package,
version and licence, the version in the file name matches the table, and every vendored file a
template loads exists."""

from __future__ import annotations

import re
from pathlib import Path

import rapport

PACKAGE = Path(rapport.__file__).parent
VENDOR = PACKAGE / "web" / "static" / "vendor"
ROW = re.compile(
    r"^\|\s*(?P<file>[^|\s]+)\s*\|\s*(?P<package>[^|]+?)\s*\|\s*(?P<version>[^|]+?)\s*\|\s*(?P<licence>[^|]+?)\s*\|"
)


def table() -> dict[str, dict[str, str]]:
    rows = {}
    for line in (VENDOR / "README.md").read_text().splitlines():
        match = ROW.match(line)
        if match and match["file"] not in ("file", "---"):
            rows[match["file"]] = match.groupdict()
    return rows


def test_every_vendored_file_has_its_version_and_licence_recorded():
    rows = table()
    files = sorted(p.name for p in VENDOR.iterdir() if p.name != "README.md")
    assert files, "no vendored files found"
    assert sorted(rows) == files
    for name, row in rows.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", row["version"]), row
        assert f"-{row['version']}" in name, f"{name} does not carry version {row['version']}"
        assert row["package"] and row["licence"].split()[0] in {
            "MIT",
            "0BSD",
            "BSD-2-Clause",
            "BSD-3-Clause",
            "Apache-2.0",
            "ISC",
        }, row


def test_templates_load_only_vendored_files_that_exist():
    loaded = set()
    for template in PACKAGE.rglob("templates/**/*.html"):
        loaded |= set(
            re.findall(r"""\{% static ['"]vendor/([^'"]+)['"] %\}""", template.read_text())
        )
    assert loaded, "no template loads a vendored file"
    missing = sorted(name for name in loaded if not (VENDOR / name).is_file())
    assert not missing, missing
