"""cfn-lint and checkov on template.yaml: cfn-lint reports nothing; checkov fails nothing that is not skipped in
the template with a written reason."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import ROOT
from tests.infra.tools import tool

TEMPLATE = ROOT / "template.yaml"


def test_cfn_lint_reports_nothing():
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(TEMPLATE)],
        capture_output=True,
        text=True,
    )
    assert completed.stdout == "" and completed.returncode == 0, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def checkov_report() -> dict:
    # --skip-download: no network calls for guidelines; the checks themselves ship with checkov.
    completed = subprocess.run(
        [str(tool("checkov", "checkov")), "-f", str(TEMPLATE), "--framework", "cloudformation"]
        + ["--skip-download", "--output", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert completed.returncode in {0, 1}, completed.stderr[-2000:]  # 1 means failures, examined below
    return json.loads(completed.stdout)


def test_checkov_fails_nothing(checkov_report):
    failed = [(c["check_id"], c["resource"]) for c in checkov_report["results"].get("failed_checks", [])]
    assert failed == []
    assert checkov_report["summary"]["parsing_errors"] == 0
    assert checkov_report["summary"]["passed"] > 30, "checkov must actually have examined the resources"


def test_checkov_skips_are_exactly_the_ones_written_in_the_template(checkov_report, resources):
    written = {
        (skip["id"], name)
        for name, resource in resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }
    skipped = {
        (c["check_id"], c["resource"].split(".", 1)[1]) for c in checkov_report["results"].get("skipped_checks", [])
    }
    # A written skip that checkov no longer raises is dead text: remove it rather than let it hide a future finding.
    assert skipped == written
    for check in checkov_report["results"]["skipped_checks"]:
        assert check["check_result"]["suppress_comment"].strip(), check["check_id"]
