"""The infrastructure tools that live outside the project's venv (they pin too many packages to share it).

`make setup` creates them under .venv-tools/ (see the Makefile's tools target).
"""

from pathlib import Path

import pytest

from tests.infra.conftest import ROOT

TOOLS = ROOT / ".venv-tools"


def tool(venv: str, command: str) -> Path:
    path = TOOLS / venv / "bin" / command
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make tools` (`make test` does)")
    return path
