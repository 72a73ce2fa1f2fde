"""Creates the AWS resources the site and the functions use, inside a running moto server."""

import boto3

BUCKET = "darkroom-local"
QUEUES = ("resize", "notify")


def provision(*, site_origin: str) -> dict[str, str]:
    """Create bucket and queues; return the environment the site needs to find them."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    # The browser POSTs straight to the bucket, from the site's origin.
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [site_origin],
                    "AllowedMethods": ["POST", "GET"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    sqs = boto3.client("sqs")
    urls = {name: sqs.create_queue(QueueName=f"darkroom-{name}")["QueueUrl"] for name in QUEUES}
    return {
        "DARKROOM_BUCKET": BUCKET,
        "DARKROOM_RESIZE_QUEUE_URL": urls["resize"],
        "DARKROOM_NOTIFY_QUEUE_URL": urls["notify"],
    }
