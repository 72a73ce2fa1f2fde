"""The benchmark's chart: one PNG with a panel per figure (matplotlib, Agg backend: no display needed)."""

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first


def draw(figures: dict, path: Path) -> None:
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    _latency(axes[0][0], figures["upload_latency"])
    _throughput(axes[0][1], figures["throughput"])
    _cold_start(axes[0][2], figures["cold_start"])
    _packages(axes[1][0], figures["package_sizes"])
    _cost(axes[1][1], figures["cost"])
    _resize(axes[1][2], figures["resize_compare"])
    fig.suptitle("Darkroom benchmark (python -m bench)", fontsize=14)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _bars(axis, labels, values, *, title: str, unit: str, log: bool = False, colors=None):
    bars = axis.barh(labels, values, color=colors)
    axis.bar_label(bars, labels=[f"{value:,.1f}" for value in values], padding=3, fontsize=8)
    axis.set_title(title, fontsize=10)
    axis.set_xlabel(unit)
    if log:
        axis.set_xscale("log")
        axis.set_xticks([10, 30, 100, 300, 1000])
        axis.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axis.invert_yaxis()
    axis.margins(x=0.25)


def _latency(axis, latency: dict) -> None:
    labels = ["confirm p50", "confirm p95", "inline p50", "inline p95"]
    values = [latency["confirm"]["p50_ms"], latency["confirm"]["p95_ms"]]
    values += [latency["inline"]["p50_ms"], latency["inline"]["p95_ms"]]
    title = f"Upload confirm, 12 MP photo: {latency['speedup_p50']:.0f}x faster than inline (p50)"
    _bars(axis, labels, values, title=title, unit="ms (log)", log=True, colors=["C0", "C0", "C3", "C3"])
    target = latency["targets"]["confirm_p95_ms"]
    axis.axvline(target, color="grey", linestyle="--", linewidth=1, label=f"target: confirm p95 <= {target} ms")
    axis.legend(fontsize=8, loc="lower right")


def _throughput(axis, throughput: dict) -> None:
    times = throughput["ready_times_s"]
    axis.step(times, range(1, len(times) + 1), where="post")
    axis.axvline(60, color="grey", linestyle="--", linewidth=1, label="target: all in 60 s")
    axis.set_title(
        f"{throughput['photos']} photos end to end: {throughput['total_s']:.0f} s, "
        f"{throughput['photos_per_minute']:.0f}/min",
        fontsize=10,
    )
    axis.set_xlabel("seconds since the first upload")
    axis.set_ylabel("photos ready")
    axis.legend(fontsize=8, loc="lower right")


def _cold_start(axis, cold: dict) -> None:
    _bars(axis, list(cold), [item["median_ms"] for item in cold.values()], title="Cold import (median)", unit="ms")


def _packages(axis, sizes: dict) -> None:
    packages = sizes["packages"]
    _bars(axis, list(packages), [item["zipped_mib"] for item in packages.values()], title="Package, zipped", unit="MiB")


def _cost(axis, cost: dict) -> None:
    lines = dict(sorted(cost["usd"].items(), key=lambda item: -item[1]))
    _bars(
        axis,
        list(lines),
        list(lines.values()),
        title=f"Cost per 1 M photos: ${cost['total_usd']:,.0f} (us-east-1 list prices)",
        unit="USD",
    )


def _resize(axis, resize: dict) -> None:
    rows = resize["rows"]
    labels = [f"{row['image']} {row['method']}" for row in rows]
    _bars(axis, labels, [row["ms"] for row in rows], title="Resize per photo, one core", unit="ms")
