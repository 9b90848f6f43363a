"""Settings shared by every environment (dev, test, production).

Environment-specific choices live in the sibling modules; anything read from the
environment is read here once so that all of them agree.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


# Application definition

INSTALLED_APPS = [
    "home",
    "policies",
    "meetings",
    "members",
    # Staff groups and the editorial workflows (its migration creates them).
    "staff",
    "cms",
    "allauth",
    "allauth.account",
    "wagtail.api.v2",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "django_filters",
    # Background tasks (meeting notices, Wagtail's own); django_tasks_db keeps the
    # queue in the database for production's `manage.py db_worker`.
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    # Member API tokens (members/api/); the tables come from DRF's own migrations.
    "rest_framework.authtoken",
    "drf_spectacular",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # Answers anonymous visitors from the page cache (PAGE_CACHE below) before anything
    # else runs, and stores public pages with every header the middleware after it adds.
    "cms.caching.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below), built once per
    # process (django-csp builds it for every response).
    "cms.content_security_policy.CSPMiddleware",
    # Serves static files from every app server itself; no separate file server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control and Vary for every response, decided in cms/caching.py.
    "cms.caching.CacheHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.site_version.context",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"


# Database: DATABASE_URL when set and not empty (PostgreSQL in CI and production),
# otherwise an SQLite file beside manage.py.

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if DATABASE_IS_POSTGRES:
    # Django's backend, with a health check that looks at the socket instead of sending
    # `SELECT 1` on every request (cms/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "cms.postgresql"
    # Lets Wagtail's database search backend use PostgreSQL full-text search.
    INSTALLED_APPS.append("django.contrib.postgres")

# The hot queries compiled once per process (cms/prepared_queries.py) are also prepared
# on the server, on connections kept between requests, so PostgreSQL plans them once.
# Off behind pgbouncer in transaction mode (production.py, DATABASE_POOL_MODE), where
# the next statement may reach another server connection.
PREPARED_QUERIES_ON_SERVER = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache: Redis, shared by every app server, when REDIS_URL is set (production, and
# the benchmarks); this process's memory otherwise. Rate limits, the polled meeting
# state, cached fragments and results all live here, so with several app servers
# REDIS_URL must be set.

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "northwind"),
            "OPTIONS": {
                # A cache outage degrades the site (slower pages) instead of failing it.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # Sessions are read from the shared cache (no query per request) and written through
    # to the database, so a Redis restart signs nobody out: Django's cached_db, read with
    # a page's other first reads (cms/sessions.py).
    SESSION_ENGINE = "cms.sessions"
    # Wagtail keeps image rendition lookups in the cache named "renditions": here for a day
    # (the default cache's entries last 5 minutes). Keys carry the image file's hash, and
    # Wagtail deletes an entry with its rendition, so a long life is safe.
    CACHES["renditions"] = {
        **CACHES["default"],
        "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"] + "-renditions",
        "TIMEOUT": 60 * 60 * 24,
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "renditions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "renditions",
            "TIMEOUT": 60 * 60 * 24,
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
    }

# How long a public page for anonymous visitors may be kept (cms/caching.py): by
# browsers, which nobody can purge, briefly...
PUBLIC_PAGE_MAX_AGE = 60
# ...and by shared caches, which are purged on publish: a CDN (Wagtail's frontend cache,
# production.py) and the page cache. Only what changes with the clock (a meeting moving
# from "upcoming" to "past") waits for this.
PUBLIC_PAGE_SHARED_MAX_AGE = 600
# The page cache: public pages for cookie-less visitors, in the default cache, emptied on
# every publish. On by default only with Redis, which every app server (and every worker
# process) shares; PAGE_CACHE=on or off to choose.
PAGE_CACHE = os.environ.get("PAGE_CACHE", "on" if REDIS_URL else "off").strip().lower() == "on"


# Security headers, the same in every environment so development and the tests see
# the pages production serves. production.py adds the HTTPS-only settings.

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# The public site runs no inline script or style: every script and stylesheet is a
# file under static/ (templates/base.html and static/js/). Served documents keep the
# stricter header Wagtail gives them ("default-src 'none'"); emails are not HTTP
# responses, so their inline styles are untouched.
CONTENT_SECURITY_POLICY = {
    # The Wagtail admin runs inline scripts and styles of its own.
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}


# Passwords

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# Internationalisation: the union works in Alberta.

LANGUAGE_CODE = "en-ca"
TIME_ZONE = "America/Edmonton"
USE_I18N = True
USE_TZ = True


# Static and media files

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "collected-static"))
STATIC_URL = "/static/"

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Complex page models can exceed Django's default of 1,000 fields per form.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000


# Wagtail

WAGTAIL_SITE_NAME = "Northwind Workers' Union"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")

WAGTAILSEARCH_BACKENDS = {
    # On PostgreSQL this uses its full-text search (django.contrib.postgres above);
    # on SQLite, FTS5.
    "default": {"BACKEND": "wagtail.search.backends.database"},
}

# Documents go through Django so that collection privacy and page view
# restrictions hold for every download; a direct media URL would bypass them.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Only office formats members can open safely; no HTML, SVG or executables.
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "csv", "txt", "rtf"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024  # 20 MB: a long AGM report as PDF.
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024  # 10 MB
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# Refuses a document whose contents are not what its extension says (cms/uploads.py).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.uploads.DocumentForm"

WAGTAILAPI_BASE_URL = os.environ.get("WAGTAILAPI_BASE_URL", WAGTAILADMIN_BASE_URL)
WAGTAILAPI_LIMIT_MAX = 100

WAGTAIL_ENABLE_UPDATE_CHECK = False

EMAIL_SUBJECT_PREFIX = "[Northwind] "
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Northwind Workers' Union <no-reply@northwind.example>"
)

# Rich text in the API as display HTML (links resolved), not database HTML.
WAGTAILAPI_RICH_TEXT_FORMAT = "html"


# Member accounts (django-allauth). Members sign in with their email; staff use
# the Wagtail admin's own sign-in. Sign-up is our own flow (members/accounts.py),
# because an account is claimed with a member ID, not an email address.

# Django's and allauth's backends, finding the signed-in user of each request with a
# compiled query (members/auth_backends.py).
AUTHENTICATION_BACKENDS = [
    "members.auth_backends.ModelBackend",
    "members.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:dashboard"
WAGTAIL_FRONTEND_LOGIN_URL = "/account/login/"
ACCOUNT_ADAPTER = "members.accounts.MemberAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = EMAIL_SUBJECT_PREFIX
# Counted in the cache, so the limits hold across every app server that shares it.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/15m/key",
    "reset_password": "10/m/ip,3/15m/key",
    # Our member sign-up: per IP, and per member ID (the key).
    "member_sign_up": "10/h/ip,3/h/key",
    # Votes, by every path (the page's form, its script, the member API: see
    # meetings.ballots.casting.over_vote_limit), per IP and per account (the key). A member
    # votes once per item, so 20 a minute is never reached by hand. The IP limit is
    # generous because a whole worksite may vote from behind one address; benchmarks
    # that post every vote from one address set VOTE_RATE_LIMITS (e.g. "20/m/key").
    "vote": os.environ.get("VOTE_RATE_LIMITS", "300/m/ip,20/m/key"),
    # Receipt codes checked, on the meeting page's form and in the member API together.
    "receipt_check": "30/m/ip,20/m/key",
    # A scrutineer's passphrase attempts on the chair's page, per account.
    "ballot_unlock": "5/m/key",
}
# How hard Argon2id works on a scrutineer's ballot passphrase (libsodium's levels: min,
# interactive, moderate, sensitive). "moderate" costs about a second and 256 MiB per
# unlock, which makes guessing a passphrase from a stolen database slow.
BALLOT_PASSPHRASE_STRENGTH = os.environ.get("BALLOT_PASSPHRASE_STRENGTH", "moderate")

# How many proxies (load balancers) in front of the app servers add to X-Forwarded-For:
# the same number the member API's throttles use (REST_FRAMEWORK below), so every rate
# limit keys on the client's address, not the load balancer's.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT


# The member API (members/api/, under /api/member/v1/). Its authentication,
# permission and throttles are set on its own views, so the public Wagtail API v2
# keeps DRF's defaults.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Counted in the cache, so the limits hold across every app server that shares it.
    "DEFAULT_THROTTLE_RATES": {
        "member_api_user": "120/min",
        "member_api_anon": "60/min",
    },
    # How many proxies (load balancers) in front of the app servers add to
    # X-Forwarded-For; 0 trusts none of it and limits by the connecting address.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Northwind Workers' Union member API",
    "DESCRIPTION": (
        "A confirmed member's own profile, meetings and votes, for the member and the "
        "programs they give a token to. Published content is in the public Wagtail API "
        "at /api/v2/."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/member/v[0-9]+",
    # `<id:...>` in the routes (cms/converters.py): a database id of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
    "PREPROCESSING_HOOKS": ["members.api.schema.only_member_api"],
    # Meetings and ballot items both have a "kind": each choice set gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "MeetingKindEnum": "meetings.models.MeetingKind",
        "BallotItemKindEnum": "meetings.ballots.models.BallotItem.Kind",
        "VoteRefusalCodeEnum": "members.api.serializers.VOTE_REFUSAL_CODES",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}
