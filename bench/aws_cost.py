"""Cost per 1 M photos on AWS (us-east-1 list prices, no free tier, no savings plans), from the measured durations
and the memory sizes in template.yaml and zappa_settings.json.

Per photo: the site answers presign and confirm (API Gateway REST + the site's Lambda, confirm's measured time),
resize runs once (its measured GET + render + PUTs of a 12 MP photo), notify sends the upload-received email (its
measured render + SES send), plus the SQS, S3, SES and DynamoDB requests those steps make. Invocations are
counted one message each (a batch of one: the dearest case; full batches of 4 and 10 cut only request fees).
Not included: storage (per month, see STORAGE_NOTE), data transfer, CloudWatch Logs, and viewing the photos.
"""

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
STORAGE_NOTE = "storage is extra: about 3.4 MB per 12 MP photo (original + renditions), $0.023 per GB-month in S3"

# Requests per photo, from the code paths (web/photos/services.py, functions/resize/resize_job.py, notify).
SITE_REQUESTS = 2  # presign, confirm
SQS_REQUESTS = 6  # 2 sends by the site; a receive and a delete per message by Lambda's pollers
S3_PUTS = 10  # the browser's POST, 8 renditions, the manifest (resize's DeleteObjectTagging is a DELETE: free)
S3_GETS = 5  # confirm's HEAD; resize's GET of the original and of the manifest, its HEAD of the original after
# writing; the site's one manifest read
SES_MESSAGES = 1  # the upload-received email (welcome emails are per user, not per photo)
DYNAMODB_WRITES = 2  # notify's idempotency record: in progress, then completed


def memory_sizes() -> dict[str, int]:
    sizes = {source.name: source.memory_size for source in template.event_sources()}
    sizes["site"] = json.loads((ROOT / "zappa_settings.json").read_text())["common"]["memory_size"]
    return sizes


def run(*, confirm_ms: float, resize_ms: float, email_ms: float) -> dict:
    memory = memory_sizes()
    photos = 1_000_000

    def cost(name: str, units_per_photo: float) -> float:
        price = PRICES[name]
        return units_per_photo * photos / price.per * price.usd

    lines = {
        "resize Lambda (GB-s)": cost("lambda_arm64_gb_s", memory["resize"] / 1024 * resize_ms / 1000),
        "notify Lambda (GB-s)": cost("lambda_arm64_gb_s", memory["notify"] / 1024 * email_ms / 1000),
        "site Lambda (GB-s)": cost("lambda_x86_gb_s", memory["site"] / 1024 * confirm_ms / 1000),
        "Lambda requests": cost("lambda_requests", SITE_REQUESTS + 2),
        "API Gateway requests": cost("api_gateway_rest", SITE_REQUESTS),
        "SQS requests": cost("sqs_requests", SQS_REQUESTS),
        "S3 PUTs": cost("s3_put", S3_PUTS),
        "S3 GETs": cost("s3_get", S3_GETS),
        "SES emails": cost("ses_messages", SES_MESSAGES),
        "DynamoDB writes": cost("dynamodb_writes", DYNAMODB_WRITES),
    }
    return {
        "photos": photos,
        "usd": lines,
        "total_usd": sum(lines.values()),
        "inputs": {"confirm_ms": confirm_ms, "resize_ms": resize_ms, "email_ms": email_ms, "memory_mb": memory},
        "prices": {name: vars(price) for name, price in PRICES.items()},
        "note": STORAGE_NOTE,
    }


def price_lines() -> list[str]:
    return [
        f"${price.usd:.10f}".rstrip("0").rstrip(".") + f" per {price.per:,.0f} {price.unit} ({price.source})"
        for price in PRICES.values()
    ]
