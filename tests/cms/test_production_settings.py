"""Production settings, read in a fresh process with a given environment: they refuse to
start without their secrets, keep cookies and transport secure, and switch on shared
media storage, front-end cache purge and proxy-aware rate limits only when configured."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# The environment production needs, with throw-away values.
REQUIRED = {
    "SECRET_KEY": "test-production-settings-" + "x" * 40,
    "ALLOWED_HOSTS": "members.northwind.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
}
# Variables from the test run's own environment that would change what is read.
CONFIGURING = (
    *REQUIRED,
    "DJANGO_SETTINGS_MODULE",
    "TRUSTED_PROXY_COUNT",
    "REDIS_URL",
    "VOTE_RATE_LIMITS",
    "DATABASE_POOL_MODE",
    "DATABASE_CONN_MAX_AGE",
    "FRONTEND_CACHE_PURGE_URL",
    "CLOUDFLARE_ZONE_ID",
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFRONT_DISTRIBUTION_ID",
)


def run_production(code, **env):
    """Run `code` after importing the production settings as `s`, in a fresh process."""
    base = {
        k: v for k, v in os.environ.items() if k not in CONFIGURING and not k.startswith("AWS_")
    }
    env = {k: v for k, v in {**base, **REQUIRED, **env}.items() if v is not None}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import cms.settings.production as s\n{code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "cms.settings.production"},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def production_values(expression, **env):
    result = run_production(f"import json; print(json.dumps({expression}))", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("missing", "value"),
    [
        *[(name, value) for name in ("SECRET_KEY", "ALLOWED_HOSTS") for value in (None, "", " ")],
        ("DATABASE_URL", None),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, value):
    result = run_production("print('started')", **{missing: value})

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert f"The {missing} environment variable must be set in production." in result.stderr


def test_production_cookies_are_secure_and_http_only_and_https_is_enforced():
    values = production_values(
        "{name: getattr(s, name) for name in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_SECURE', "
        "'CSRF_COOKIE_HTTPONLY', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SECURE_PROXY_SSL_HEADER', "
        "'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', "
        "'ALLOWED_HOSTS')}"
    )

    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "ALLOWED_HOSTS": ["members.northwind.example"],
    }


def test_production_keeps_the_content_security_policy_and_media_on_disk_by_default():
    values = production_values(
        "[s.CONTENT_SECURITY_POLICY, s.STORAGES['default'], s.WAGTAILFRONTENDCACHE, "
        "'wagtail.contrib.frontend_cache' in s.INSTALLED_APPS, "
        "'cms.content_security_policy.CSPMiddleware' in s.MIDDLEWARE]"
    )
    csp, media, frontend_cache, purging, csp_middleware = values

    assert csp_middleware
    assert csp["DIRECTIVES"]["script-src"] == ["'self'"]
    assert csp["DIRECTIVES"]["img-src"] == ["'self'", "data:"]
    assert media == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert frontend_cache == {} and not purging


def test_rate_limits_trust_the_same_number_of_proxies_as_the_member_api():
    default = production_values("[s.ALLAUTH_TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES']]")
    behind_one = production_values(
        "[s.ALLAUTH_TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES']]",
        TRUSTED_PROXY_COUNT="1",
    )

    assert default == [0, 0]
    assert behind_one == [1, 1]


def test_behind_a_transaction_pooler_there_are_no_server_side_cursors_or_prepared_statements():
    direct = production_values("s.DATABASES['default']")
    pooled = production_values("s.DATABASES['default']", DATABASE_POOL_MODE="transaction")

    assert not direct.get("DISABLE_SERVER_SIDE_CURSORS")
    assert "prepare_threshold" not in direct.get("OPTIONS", {})
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["OPTIONS"]["prepare_threshold"] is None


S3_MEDIA_URL = (
    "from django.core.files.storage import storages; "
    "url = storages['default'].url('images/agm.png'); "
    "from urllib.parse import urlsplit; "
    "parts = urlsplit(url)"
)


@pytest.mark.parametrize(
    ("env", "origin"),
    [
        pytest.param(
            {"AWS_S3_REGION_NAME": "ca-central-1"},
            "https://northwind-media.s3.amazonaws.com",
            id="aws",
        ),
        pytest.param(
            {"AWS_S3_ENDPOINT_URL": "https://objects.example.net"},
            "https://objects.example.net",
            id="s3-compatible",
        ),
        pytest.param(
            {"AWS_S3_CUSTOM_DOMAIN": "media.northwind.example"},
            "https://media.northwind.example",
            id="cdn",
        ),
    ],
)
def test_media_goes_to_s3_when_a_bucket_is_named_and_the_policy_allows_its_images(env, origin):
    env = {
        "AWS_STORAGE_BUCKET_NAME": "northwind-media",
        "AWS_ACCESS_KEY_ID": "test-key-id",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        **env,
    }
    result = run_production(
        S3_MEDIA_URL + "\nimport json; print(json.dumps([s.STORAGES['default'], "
        "f'{parts.scheme}://{parts.netloc}', s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
        "bool(parts.query)]))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    media, url_origin, img_src, signed = json.loads(result.stdout.strip().splitlines()[-1])

    assert media["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"]["bucket_name"] == "northwind-media"
    assert media["OPTIONS"]["file_overwrite"] is False  # same-named uploads never clash
    assert "access_key" not in media["OPTIONS"] and "secret_key" not in media["OPTIONS"]
    # The images the pages show come from an origin the Content-Security-Policy allows.
    assert url_origin == origin
    assert origin in img_src
    # Signed URLs straight from the bucket; a CDN's URLs are plain.
    assert signed is ("AWS_S3_CUSTOM_DOMAIN" not in env)


def test_front_end_cache_purge_is_configured_only_from_the_environment():
    values = production_values(
        "[s.WAGTAILFRONTENDCACHE, 'wagtail.contrib.frontend_cache' in s.INSTALLED_APPS]",
        FRONTEND_CACHE_PURGE_URL="http://cache.internal:6081",
        CLOUDFLARE_ZONE_ID="zone-123",
        CLOUDFLARE_API_TOKEN="cf-token",
    )
    backends, installed = values

    assert installed
    assert backends == {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": "http://cache.internal:6081",
        },
        "cloudflare": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
            "ZONEID": "zone-123",
            "BEARER_TOKEN": "cf-token",
        },
    }


def test_a_cloudflare_zone_without_its_token_refuses_to_start():
    result = run_production("print('started')", CLOUDFLARE_ZONE_ID="zone-123")

    assert result.returncode != 0
    assert "The CLOUDFLARE_API_TOKEN environment variable must be set" in result.stderr
