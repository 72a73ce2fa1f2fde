"""The deployed site's settings for a local measurement (bench/gallery_site.py): web.settings as production reads
them (DEBUG and DARKROOM_LOCAL off, whitenoise serving what collectstatic wrote with the compressed manifest
storage), with the two changes plain HTTP on 127.0.0.1 needs, and pages compressed as API Gateway compresses them
(Zappa turns on its payload compression unless `payload_compression` is false; zappa_settings.json leaves it on).

DARKROOM_STATIC_ROOT names the temporary folder collectstatic writes; production's is the package's staticfiles/.
"""

import os
from pathlib import Path

from web.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["DARKROOM_STATIC_ROOT"])
# No TLS in front of the local site: secure-only cookies would never come back over http://127.0.0.1.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# API Gateway's gzip in front of the site; whitenoise's files come compressed already and pass through.
MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *MIDDLEWARE]  # noqa: F405
