"""Settings for the benchmarks only: production's, with cookies usable over plain http.

The benchmarks (bench/_server.py) run gunicorn on 127.0.0.1 without TLS, so the
production settings' secure-only session and CSRF cookies are relaxed here when
BENCH_PLAIN_HTTP_COOKIES=1. Nothing outside bench/ imports this module; the
site itself always runs on cms.settings.production.
"""

import os

from cms.settings.production import *  # noqa: F403

if os.environ.get("BENCH_PLAIN_HTTP_COOKIES") == "1":
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
