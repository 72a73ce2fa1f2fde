"""What bench/lighthouse.py keeps of Lighthouse's JSON reports: category scores, metrics, and the audits the report
shows as failed, with the elements, files or messages behind each."""

import re
import statistics

CATEGORIES = ["performance", "accessibility", "best-practices"]
METRICS = {
    "first-contentful-paint": "fcp_ms",
    "largest-contentful-paint": "lcp_ms",
    "total-blocking-time": "tbt_ms",
    "cumulative-layout-shift": "cls",
    "speed-index": "speed_index_ms",
    "total-byte-weight": "total_bytes",
}
SKIPPED_MODES = {"notApplicable", "manual", "informative"}
HIDDEN_GROUPS = {"metrics", "hidden"}  # the metrics are reported as figures; "hidden" ones the report never shows
PASS_SCORE = 0.9  # the Lighthouse report shows an audit as passed from this score
MAX_ITEMS = 10
DIAGNOSTICS = {"long-tasks": 5, "bootup-time": 5}  # informative audits behind TBT: their first rows
SIGNED_QUERY = re.compile(r"\?X-Amz-[^\s\"'|]*")  # presigned image URLs: the path says which image


def summary(reports: list[dict]) -> dict:
    """A page's runs: scores, metrics and failed audits per run, the medians, and each failed audit once."""
    runs = [
        {
            "scores": {category: round(report["categories"][category]["score"] * 100) for category in CATEGORIES},
            "metrics": {key: report["audits"][audit]["numericValue"] for audit, key in METRICS.items()},
            "failed": [audit["id"] for audit in failed(report)],
            "benchmark_index": report["environment"]["benchmarkIndex"],
            "retried_after": report.get("darkroomRetries", []),  # Lighthouse's errors on the runs given up
        }
        for report in reports
    ]
    median = {
        "scores": {category: statistics.median(run["scores"][category] for run in runs) for category in CATEGORIES},
        "metrics": {key: statistics.median(run["metrics"][key] for run in runs) for key in METRICS.values()},
    }
    middle = reports[sorted(range(len(runs)), key=lambda i: runs[i]["scores"]["performance"])[len(runs) // 2]]
    failures: dict[str, dict] = {}
    for report in reports:
        for audit in failed(report):
            failures.setdefault(audit["id"], {**audit, "failed_runs": 0})["failed_runs"] += 1
    return {
        "median": median,
        "runs": runs,
        "failed_audits": sorted(failures.values(), key=lambda audit: (audit["category"], audit["id"])),
        # From the run of median performance:
        "lcp_element": _items(middle["audits"].get("largest-contentful-paint-element", {}).get("details"))[:1],
        "diagnostics": {
            audit: _items(middle["audits"][audit].get("details"))[:rows] for audit, rows in DIAGNOSTICS.items()
        },
        "resources": {
            row["resourceType"]: {"requests": row["requestCount"], "transfer_bytes": row["transferSize"]}
            for row in middle["audits"]["resource-summary"]["details"]["items"]
        },
        "run_warnings": sorted({warning for report in reports for warning in report.get("runWarnings", [])}),
    }


def failed(report: dict) -> list[dict]:
    """The audits the Lighthouse report lists as failed, with what fails (elements, files, messages); and those that
    could not run (`"errored": true`), which say nothing about the page."""
    found = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("group") in HIDDEN_GROUPS or audit["scoreDisplayMode"] in SKIPPED_MODES:
                continue
            errored = audit["scoreDisplayMode"] == "error"
            if not errored and (audit["score"] is None or audit["score"] >= PASS_SCORE):
                continue
            found.append({
                "id": audit["id"],
                "category": category,
                "title": audit["title"],
                "errored": errored,
                "score": audit["score"],
                "weight": ref["weight"],
                "display_value": audit.get("errorMessage", "") if errored else audit.get("displayValue", ""),
                "items": _items(audit.get("details")),
            })  # fmt: skip
    return found


def _items(details: dict | None) -> list[str]:
    """One line per item of an audit's details table (lists of tables flattened), at most MAX_ITEMS."""
    if not details:
        return []
    if details.get("type") == "list":
        return [line for part in details.get("items", []) for line in _items(part)][:MAX_ITEMS]
    lines = []
    for item in details.get("items", [])[:MAX_ITEMS]:
        if isinstance(item, dict):
            parts = [_value(key, value) for key, value in item.items() if key not in ("subItems", "entity")]
            sub = [_value(k, v) for row in item.get("subItems", {}).get("items", [])[:3] for k, v in row.items()]
            lines.append(SIGNED_QUERY.sub("?…", " | ".join(part for part in parts + sub if part))[:600])
    return lines


def _value(key: str, value) -> str:
    if isinstance(value, dict) and value.get("type") == "node":
        text = f"{value.get('selector', '')} {value.get('snippet', '')}"
        return f"{text} — {value['explanation']}" if value.get("explanation") else text
    if isinstance(value, dict) and value.get("type") == "source-location":
        return f"{value.get('url', '')}:{value.get('line', 0) + 1}"
    if isinstance(value, dict):
        return f"{key}={value.get('text') or value.get('value') or value.get('url') or ''}"
    if isinstance(value, float):
        return f"{key}={value:.0f}" if value >= 10 else f"{key}={value:.3f}"
    return f"{key}={value}" if value not in (None, "") else ""
