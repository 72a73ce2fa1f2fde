"""Cost per 1 M photos on AWS (us-east-1 list prices, no free tier, no savings plans), from the measured durations,
the measured emails per photo, and the memory sizes in template.yaml and zappa_settings.json (production).

Each request is counted where the code makes it (PER_PHOTO and PER_BATCH below). Invocations are counted one message
each (a batch of one: the dearest case; fuller batches cut only request fees). Emails are per upload batch, the
files a person picked together: the throughput run measures how many went out per photo, and the one-photo-per-pick
case is priced beside it. Not included: storage (per month, see STORAGE_NOTE), data transfer, CloudWatch Logs, the
5-minute sweep (a fixed cost, not per photo), and viewing the photos.
"""

import importlib.util
import json
from dataclasses import dataclass

from devstack import template
from devstack.stack import ROOT


@dataclass(frozen=True)
class Price:
    usd: float
    per: float  # units the price is for
    unit: str
    source: str  # the AWS pricing page it comes from


PRICES = {
    "lambda_arm64_gb_s": Price(0.0000133334, 1, "GB-s (arm64)", "AWS Lambda Pricing"),
    "lambda_x86_gb_s": Price(0.0000166667, 1, "GB-s (x86_64)", "AWS Lambda Pricing"),
    "lambda_requests": Price(0.20, 1_000_000, "requests", "AWS Lambda Pricing"),
    "api_gateway_rest": Price(3.50, 1_000_000, "REST API requests", "Amazon API Gateway Pricing"),
    "sqs_requests": Price(0.40, 1_000_000, "standard queue requests", "Amazon SQS Pricing"),
    "s3_put": Price(0.005, 1_000, "PUT, COPY, POST, LIST requests", "Amazon S3 Pricing"),
    "s3_get": Price(0.0004, 1_000, "GET, SELECT and other requests", "Amazon S3 Pricing"),
    "ses_messages": Price(0.10, 1_000, "outbound emails", "Amazon SES Pricing"),
    "dynamodb_writes": Price(0.625, 1_000_000, "on-demand write request units", "Amazon DynamoDB Pricing"),
}
TARGET_USD = 60  # per 1 M photos, issue 19
STORAGE_NOTE = "storage is extra: the original plus its renditions, $0.023 per GB-month in S3"


def renditions_per_photo() -> int:
    """From the resize function's own spec: one object per width and format."""
    path = ROOT / "functions" / "resize" / "rendition_spec.py"
    module_spec = importlib.util.spec_from_file_location("darkroom_rendition_spec", path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return len(module.SPEC.widths) * len(module.SPEC.formats)


# Requests per photo, from the code paths (docs/architecture.md, "One upload, step by step").
PER_PHOTO = {
    "api_gateway_rest": 2,  # presign, confirm
    "site_invocations": 4,  # presign, confirm, the manifest's arrival, the original's check two minutes later
    "resize_invocations": 1,
    # Three messages (the resize request, S3's manifest event, the original's check): sent, received, deleted.
    "sqs_requests": 9,
    "s3_put": 2 + renditions_per_photo(),  # the browser's POST, the renditions, the manifest
    # Confirm's HEAD; resize's GET of the original and of the manifest and its HEAD of the original after writing;
    # the site's read of the manifest; the original's check (a HEAD). Removing the pending tag is a DELETE: free.
    "s3_get": 6,
}
PER_BATCH = {
    "site_invocations": 1,  # the batch's email task
    "notify_invocations": 1,
    "sqs_requests": 6,  # the task's message and the email's: sent, received, deleted
    "ses_messages": 1,
    "dynamodb_writes": 2,  # notify's idempotency record: in progress, then completed
}


def memory_sizes() -> dict[str, int]:
    sizes = {source.name: source.memory_size for source in template.event_sources()}
    settings = json.loads((ROOT / "zappa_settings.json").read_text())
    sizes["site"] = settings["production"].get("memory_size", settings["common"]["memory_size"])
    return sizes


def run(*, confirm_ms: float, resize_ms: float, email_ms: float, photos_per_email: float) -> dict:
    """The bill for 1 M photos, by line, at `photos_per_email` (measured) and at one photo per email."""
    memory = memory_sizes()
    measured = _lines(memory, confirm_ms, resize_ms, email_ms, photos_per_email)
    one_per_pick = _lines(memory, confirm_ms, resize_ms, email_ms, 1.0)
    return {
        "photos": 1_000_000,
        "usd": measured,
        "total_usd": sum(measured.values()),
        "total_usd_one_photo_per_email": sum(one_per_pick.values()),
        "inputs": {
            "confirm_ms": confirm_ms,
            "resize_ms": resize_ms,
            "email_ms": email_ms,
            "photos_per_email": photos_per_email,
            "renditions_per_photo": renditions_per_photo(),
            "memory_mb": memory,
        },
        "requests_per_photo": PER_PHOTO,
        "requests_per_batch": PER_BATCH,
        "prices": {name: vars(price) for name, price in PRICES.items()},
        "note": STORAGE_NOTE,
    }


def _lines(memory: dict[str, int], confirm_ms: float, resize_ms: float, email_ms: float, batch: float) -> dict:
    photos = 1_000_000

    def per_photo(name: str) -> float:
        return PER_PHOTO.get(name, 0) + PER_BATCH.get(name, 0) / batch

    def cost(price: str, units_per_photo: float) -> float:
        return units_per_photo * photos / PRICES[price].per * PRICES[price].usd

    invocations = per_photo("site_invocations") + per_photo("resize_invocations") + per_photo("notify_invocations")
    return {
        "SES emails": cost("ses_messages", per_photo("ses_messages")),
        "S3 PUTs": cost("s3_put", per_photo("s3_put")),
        "API Gateway requests": cost("api_gateway_rest", per_photo("api_gateway_rest")),
        "resize Lambda (GB-s)": cost("lambda_arm64_gb_s", memory["resize"] / 1024 * resize_ms / 1000),
        "SQS requests": cost("sqs_requests", per_photo("sqs_requests")),
        "S3 GETs": cost("s3_get", per_photo("s3_get")),
        "Lambda requests": cost("lambda_requests", invocations),
        # Each site invocation priced at confirm's time, the longest of its per-photo steps.
        "site Lambda (GB-s)": cost(
            "lambda_x86_gb_s", memory["site"] / 1024 * confirm_ms / 1000 * per_photo("site_invocations")
        ),
        "notify Lambda (GB-s)": cost(
            "lambda_arm64_gb_s", memory["notify"] / 1024 * email_ms / 1000 * per_photo("notify_invocations")
        ),
        "DynamoDB writes": cost("dynamodb_writes", per_photo("dynamodb_writes")),
    }


def price_lines() -> list[str]:
    return [
        f"${price.usd:.10f}".rstrip("0").rstrip(".") + f" per {price.per:,.0f} {price.unit} ({price.source})"
        for price in PRICES.values()
    ]
