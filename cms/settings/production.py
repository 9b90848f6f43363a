"""Production: everything secret or host-specific comes from the environment.

Required: SECRET_KEY, ALLOWED_HOSTS (comma-separated), DATABASE_URL.
Optional: CSRF_TRUSTED_ORIGINS, WAGTAILADMIN_BASE_URL, EMAIL_URL-style SMTP
settings (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD),
SECURE_SSL_REDIRECT (default on), SECURE_HSTS_SECONDS; media on S3-compatible
storage (AWS_STORAGE_BUCKET_NAME and friends); front-end cache purge
(FRONTEND_CACHE_PURGE_URL, or CLOUDFLARE_ZONE_ID + CLOUDFLARE_API_TOKEN, or
CLOUDFRONT_DISTRIBUTION_ID). docs/deploy.md describes each.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *


def _required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"The {name} environment variable must be set in production.")
    return value


DEBUG = False
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("The DATABASE_URL environment variable must be set in production.")

# Behind a pooler in transaction mode (pgbouncer's pool_mode = transaction), a database
# connection is this process's only for one transaction at a time. So no server-side
# cursors (QuerySet.iterator() would open one outside a transaction) and no prepared
# statements (psycopg prepares a query it has run 5 times, on a connection it may no
# longer hold). docs/deploy.md says more.
if os.environ.get("DATABASE_POOL_MODE", "").strip().lower() == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
    PREPARED_QUERIES_ON_SERVER = False  # cms/prepared_queries.py

# Static files: compressed, content-hashed names, served by whitenoise.
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

# HTTPS everywhere; the load balancer terminates TLS and says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() != "false"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# X-Frame-Options, nosniff, Referrer-Policy and the Content-Security-Policy are set in
# base.py, for every environment.

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "true").lower() == "true"

# Media (images and documents) on S3-compatible storage when a bucket is named, so
# every app server sees every upload; the local MEDIA_ROOT otherwise (one server only).
# Credentials come from boto3's own environment variables (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY) or the server's role; they are never read into settings.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
if AWS_STORAGE_BUCKET_NAME:
    _s3 = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        # S3-compatible services (MinIO, DigitalOcean Spaces, ...): their API address.
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        # A CDN in front of the bucket: image URLs use it, unsigned.
        "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
        # Two uploads with the same name must not replace each other's file.
        "file_overwrite": False,
        # Objects keep the bucket's own (private) access rules. Documents are only ever
        # streamed through Django (WAGTAILDOCS_SERVE_METHOD), which checks privacy;
        # image URLs are signed unless a CDN serves them.
        "default_acl": None,
        "querystring_auth": not os.environ.get("AWS_S3_CUSTOM_DOMAIN"),
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3}

    def _media_origins(options):
        """Where image URLs point, for the Content-Security-Policy's img-src."""
        if options["custom_domain"]:
            return [f"https://{options['custom_domain']}"]
        if options["endpoint_url"]:
            endpoint = urlsplit(options["endpoint_url"])
            # Path-style (endpoint/bucket/...) or virtual-hosted (bucket.endpoint/...).
            return [
                f"{endpoint.scheme}://{endpoint.netloc}",
                f"{endpoint.scheme}://*.{endpoint.netloc}",
            ]
        bucket = options["bucket_name"]
        origins = [f"https://{bucket}.s3.amazonaws.com"]
        if options["region_name"]:
            origins.append(f"https://{bucket}.s3.{options['region_name']}.amazonaws.com")
        return origins

    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [
        *CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
        *_media_origins(_s3),
    ]

# Front-end cache (CDN or caching proxy) purged when pages are published, through
# Wagtail's frontend cache, only when one is configured. Purges run as background tasks.
WAGTAILFRONTENDCACHE = {}
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    # A caching proxy that accepts HTTP PURGE requests (Varnish, nginx, ...).
    WAGTAILFRONTENDCACHE["proxy"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"],
    }
if os.environ.get("CLOUDFLARE_ZONE_ID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "ZONEID": os.environ["CLOUDFLARE_ZONE_ID"],
        "BEARER_TOKEN": _required("CLOUDFLARE_API_TOKEN"),
    }
if os.environ.get("CLOUDFRONT_DISTRIBUTION_ID"):
    WAGTAILFRONTENDCACHE["cloudfront"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudfrontBackend",
        "DISTRIBUTION_ID": os.environ["CLOUDFRONT_DISTRIBUTION_ID"],
    }
if WAGTAILFRONTENDCACHE:
    INSTALLED_APPS.append("wagtail.contrib.frontend_cache")

# Background tasks (meeting notices, Wagtail's search and reference index updates)
# wait in the database until `manage.py db_worker` runs them: run at least one worker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
