"""The vendored front-end files under web/static/vendor/ are what scripts/vendor-static writes from the packages
`npm ci` installed from package-lock.json: same files, same bytes, the lockfile's versions, each with its licence."""

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "web" / "static" / "vendor"
NODE_MODULES = ROOT / "node_modules"
# A package's row in the README's table: | package | version | licence | `folder/` | `file`, `file` |
ROW = re.compile(r"^\| (?P<package>\S+) \| (?P<version>\S+) \| [^|]+ \| `(?P<folder>[^`]+)/` \| (?P<files>.+) \|$")


def _readme_rows() -> list[dict[str, str]]:
    return [m.groupdict() for line in (VENDOR / "README.md").read_text().splitlines() if (m := ROW.match(line))]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def node_modules() -> Path:
    if not (NODE_MODULES / ".package-lock.json").is_file():
        pytest.fail("node_modules/ is missing or incomplete: run `make node` (npm ci from package-lock.json)")
    return NODE_MODULES


def test_vendored_files_are_what_the_script_writes(node_modules, tmp_path):
    result = subprocess.run([ROOT / "scripts" / "vendor-static", tmp_path], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

    fresh, committed = _tree(tmp_path), _tree(VENDOR)
    assert sorted(committed) == sorted(fresh), "run scripts/vendor-static and commit web/static/vendor/"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"differ from scripts/vendor-static's output: {stale}; run it and commit web/static/vendor/"


def test_each_vendored_file_is_the_packages_file_byte_for_byte(node_modules):
    rows = _readme_rows()
    assert rows, "web/static/vendor/README.md lists no package"
    for row in rows:
        for file in re.findall(r"`([^`]+)`", row["files"]):
            vendored = VENDOR / row["folder"] / Path(file).name
            assert vendored.read_bytes() == (node_modules / row["package"] / file).read_bytes(), vendored


def test_vendored_versions_are_the_lockfiles():
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    rows = _readme_rows()
    assert {row["package"] for row in rows} == set(locked[""]["dependencies"]), "every dependency is vendored"
    for row in rows:
        assert row["version"] == locked[f"node_modules/{row['package']}"]["version"], row["package"]


def test_every_vendored_package_has_its_licence():
    folders = [path for path in VENDOR.iterdir() if path.is_dir()]
    assert sorted(path.name for path in folders) == sorted(row["folder"] for row in _readme_rows())
    for folder in folders:
        licence = folder / "LICENSE"
        assert licence.is_file() and licence.stat().st_size > 0, f"{folder.name} has no LICENSE"
