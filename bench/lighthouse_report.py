"""bench/results/lighthouse.md from the results bench/lighthouse.py writes as JSON: the docs include this file."""

CATEGORY_NAMES = {"performance": "performance", "accessibility": "accessibility", "best-practices": "best practices"}


def markdown(results: dict) -> str:
    env, targets = results["environment"], results["targets"]
    lines = [
        f"Lighthouse {env['lighthouse']} ({env['form_factor']} emulation, {env['throttling_method']}d throttling) "
        f"with {env['chromium']}, median of {results['runs']} runs per page; {env['cpu_count']} CPUs, "
        f"benchmark index {env['benchmark_index']:.0f}. Gallery with {results['site']['photos']} photos; "
        f"the site with its deployed settings and collected, compressed static files; {results['started']}.",
        "",
        "| page | performance | accessibility | best practices | FCP | LCP | TBT | CLS | bytes | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, page in results["pages"].items():
        scores, metrics = page["median"]["scores"], page["median"]["metrics"]
        verdicts = page.get("verdicts")
        verdict = "" if verdicts is None else ("met" if all(verdicts.values()) else "MISSED: " + ", ".join(
            CATEGORY_NAMES[category] for category, met in verdicts.items() if not met))  # fmt: skip
        lines.append(
            f"| {name} (`{_path(name, page['path'])}`) | {scores['performance']:.0f} | {scores['accessibility']:.0f} "
            f"| {scores['best-practices']:.0f} | {metrics['fcp_ms'] / 1000:.1f} s | {metrics['lcp_ms'] / 1000:.1f} s "
            f"| {metrics['tbt_ms']:.0f} ms | {metrics['cls']:.3f} | {metrics['total_bytes'] / 1000:.0f} KB "
            f"| {verdict} |"
        )
    lines += ["", _targets(targets), "", *_weight(results["page_weight"]), "", *_failures(results["pages"])]
    return "\n".join(lines) + "\n"


def _path(name: str, path: str) -> str:
    return "/photos/<id>/" if name == "viewer" else path


def _targets(targets: dict) -> str:
    return (
        f"Targets for {' and '.join(targets['pages'])}: performance >= {targets['performance']}, accessibility "
        f"{targets['accessibility']}, best practices {targets['best-practices']}; the others are for comparison."
    )


def _weight(weight: dict) -> list[str]:
    budget = weight["budget_bytes"]
    lines = [
        f"Gallery JavaScript and CSS, compressed as sent (budget {budget / 1000:.0f} KB, 1 KB = 1000 bytes):",
        "",
        "| when | files | JavaScript | CSS | together | gzip -9 | uncompressed | budget |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, label in (("page_load", "page load"), ("with_viewer", "after opening the viewer")):
        row = weight[key]
        lines.append(
            f"| {label} | {row['files']} | {row['javascript_bytes'] / 1000:.1f} KB | {row['css_bytes'] / 1000:.1f} KB "
            f"| {row['transfer_bytes'] / 1000:.1f} KB | {row['gzip9_bytes'] / 1000:.1f} KB "
            f"| {row['decoded_bytes'] / 1000:.1f} KB | {'met' if row['within_budget'] else 'MISSED'} |"
        )
    return lines


def _failures(pages: dict) -> list[str]:
    lines = ["Audits failed (in how many runs); what fails, element by element, is in lighthouse.json:", ""]
    errored: set[str] = set()
    for name, page in pages.items():
        failed = [
            f"`{audit['id']}` {audit['title']} ({audit['failed_runs']}/{len(page['runs'])})"
            for audit in page["failed_audits"]
            if not audit["errored"]
        ]
        errored |= {audit["id"] for audit in page["failed_audits"] if audit["errored"]}
        lines.append(f"- {name}: {'; '.join(failed) if failed else 'none'}")
    if errored:
        lines += ["", "Could not run with this Chromium (no verdict on the pages): " + ", ".join(sorted(errored)) + "."]
    return lines
