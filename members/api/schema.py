"""Keeps the generated OpenAPI schema to the member API."""

MEMBER_API_PREFIX = "/api/member/"


def only_member_api(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: drop every endpoint outside /api/member/.

    The public Wagtail API v2 is also built on DRF; it is documented by Wagtail,
    not here.
    """
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(MEMBER_API_PREFIX)]
