"""The benchmark's figures as a terminal table, Markdown (bench/results/figures.md, for bench/README.md) and JSON."""

from bench import aws_cost


def rows(figures: dict) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, verdict) per line."""
    latency, throughput = figures["upload_latency"], figures["throughput"]
    confirm, inline = latency["confirm"], latency["inline"]
    lines = [
        ("confirm request p50 / p95", f"{confirm['p50_ms']:.1f} / {confirm['p95_ms']:.1f} ms", "p95 <= 30 ms",
         _verdict(confirm["p95_ms"] <= latency["targets"]["confirm_p95_ms"])),
        ("same, resize + email inline p50 / p95", f"{inline['p50_ms']:.0f} / {inline['p95_ms']:.0f} ms", "", ""),
        ("speed-up p50 / p95", f"{latency['speedup_p50']:.1f}x / {latency['speedup_p95']:.1f}x", ">= 20x",
         _verdict(latency["speedup_p50"] >= latency["targets"]["speedup"])),
        (f"{throughput['photos']} photos end to end (12 MP)",
         f"{throughput['total_s']:.1f} s, {throughput['photos_per_minute']:.0f} photos/min",
         "100 in <= 60 s", _verdict(throughput["total_s"] * 100 / throughput["photos"] <= 60)),
    ]  # fmt: skip
    for name, result in figures["cold_start"].items():
        lines.append((f"cold import {name}", f"{result['median_ms']:.0f} ms", "", ""))
    for name, size in figures["package_sizes"]["packages"].items():
        limit = figures["package_sizes"]["limits"]["zipped_mib"]
        lines.append(
            (f"package {name}", f"{size['zipped_mib']:.1f} MiB zipped, {size['unpacked_mib']:.1f} unpacked",
             f"Lambda: {limit} MiB zipped", "")
        )  # fmt: skip
    cost = figures["cost"]
    per_email = cost["inputs"]["photos_per_email"]
    lines.append(
        (f"cost per 1 M photos (us-east-1), {per_email:.0f} photos per email (measured)", f"${cost['total_usd']:,.2f}",
         f"<= ${aws_cost.TARGET_USD}", _verdict(cost["total_usd"] <= aws_cost.TARGET_USD))
    )  # fmt: skip
    for name, usd in sorted(cost["usd"].items(), key=lambda item: -item[1]):
        lines.append((f"  {name}", f"${usd:,.2f}", "", ""))
    lines.append(("  same, every photo picked alone", f"${cost['total_usd_one_photo_per_email']:,.0f}", "", ""))
    for row in figures["resize_compare"]["rows"]:
        if row["image"] == "12mp.jpg":
            lines.append((f"resize 12 MP JPEG, {row['method']}", f"{row['ms']:.0f} ms", "", ""))
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def terminal(figures: dict) -> str:
    table = rows(figures)
    widths = [max(len(row[column]) for row in table) for column in range(4)]
    text = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in table]
    prices = "\n".join(f"  {line}" for line in aws_cost.price_lines())
    return "\n".join(text) + f"\n\nprices used:\n{prices}\n  {figures['cost']['note']}\n"


def markdown(figures: dict) -> str:
    lines = ["| figure | value | target | verdict |", "|---|---:|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows(figures)]
    lines += ["", "Prices used (us-east-1 list prices, no free tier):", ""]
    lines += [f"- {line}" for line in aws_cost.price_lines()]
    lines += [f"- {figures['cost']['note']}"]
    return "\n".join(lines) + "\n"
