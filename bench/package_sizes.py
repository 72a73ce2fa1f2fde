"""Package sizes: the site's zip from `zappa package` and each function's arm64 artifact from `sam build`, as the
infrastructure tests build them under build/infra/ (tests/infra/test_zappa_package.py and
test_function_artifacts.py). What is missing is built by running those tests; nothing is packaged twice.

    .venv/bin/python -m bench.package_sizes [--rebuild]

A SAM artifact is a folder; its size here is the zip SAM uploads (deflate, level 6), and its unpacked size.
"""

import argparse
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from devstack.stack import ROOT

BUILD = ROOT / "build" / "infra"
SITE_ZIP = BUILD / "site.zip"
ARTIFACTS = {"resize": BUILD / "sam-arm64" / "ResizeFunction", "notify": BUILD / "sam-arm64" / "NotifyFunction"}
BUILDING_TESTS = {
    SITE_ZIP: "tests/infra/test_zappa_package.py::test_package_stays_under_its_size_budget",
    BUILD / "sam-arm64": "tests/infra/test_function_artifacts.py::"
    "test_arm64_artifact_holds_the_handler_its_requirements_and_only_aarch64_binaries",
}
# Lambda's limits for a directly uploaded package.
LAMBDA_ZIPPED_LIMIT_MIB = 50
LAMBDA_UNPACKED_LIMIT_MIB = 250


def build_missing(*, rebuild: bool = False) -> None:
    for output, test in BUILDING_TESTS.items():
        if rebuild or not output.exists():
            print(f"building {output.relative_to(ROOT)} with {test} ...", flush=True)
            subprocess.run([sys.executable, "-m", "pytest", "-q", test], cwd=ROOT, check=True)


def zipped_folder_bytes(folder: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return buffer.tell()


def run(*, rebuild: bool = False) -> dict:
    build_missing(rebuild=rebuild)
    with zipfile.ZipFile(SITE_ZIP) as archive:
        site_unpacked = sum(info.file_size for info in archive.infolist())
    sizes = {
        "site (zappa package)": {"zipped_mib": SITE_ZIP.stat().st_size / 2**20, "unpacked_mib": site_unpacked / 2**20}
    }
    for name, folder in ARTIFACTS.items():
        unpacked = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
        sizes[f"{name} (sam build, arm64)"] = {
            "zipped_mib": zipped_folder_bytes(folder) / 2**20,
            "unpacked_mib": unpacked / 2**20,
        }
    return {
        "packages": sizes,
        "limits": {"zipped_mib": LAMBDA_ZIPPED_LIMIT_MIB, "unpacked_mib": LAMBDA_UNPACKED_LIMIT_MIB},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="run the building tests even if outputs exist")
    print(json.dumps(run(rebuild=parser.parse_args().rebuild), indent=2))


if __name__ == "__main__":
    main()
