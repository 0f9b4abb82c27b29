"""A per-key rate limit, so one script cannot starve the site: at most ``AWSAPI_RATE_PER_SECOND`` calls per
access key in each second (counted in the default cache: Redis when ``REDIS_URL`` is set, so every process
shares the count). Past it: AWS's ``Throttling`` (Query APIs, HTTP 400) or S3's ``SlowDown`` (HTTP 503).
https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from .errors import AwsError


def check(access_key_id: str, service: str) -> None:
    limit = int(getattr(settings, "AWSAPI_RATE_PER_SECOND", 50))
    if limit <= 0:
        return
    key = f"awsapi-rate:{access_key_id}:{int(time.time())}"
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 0, timeout=5)
        count = cache.incr(key)
    if count > limit:
        if service == "s3":
            raise AwsError("SlowDown", "Please reduce your request rate.", 503)
        raise AwsError("Throttling", "Rate exceeded", 400)
