"""django-csp's middleware, with the policy built once per process.

django-csp builds the Content-Security-Policy header afresh for every response (the
policy and the report-only policy, each from a copy of the settings), about 90 µs of
CPU a response, on every vote and page. The site's policy is the same for every
response: no view changes it (`csp_update`, `csp_replace`, `csp_exempt` and the like
set attributes on the response) and no template uses a nonce. So a response that asks
for nothing of its own gets the headers built once from the settings; one that does (any
of those attributes, or a nonce used while it was rendered) gets django-csp's own
handling, unchanged. The rules for where the header goes (exempt responses, excluded
URL prefixes, a header the view set itself, DEBUG's error pages) are django-csp's, and
tests/cms/test_content_security_policy.py checks the headers against django-csp's own.
"""

import functools
import http.client

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view or decorator sets on a response to change or drop its policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
# (header, exempting attribute, setting): the policy, then the report-only policy.
_HEADERS = (
    (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
)


@functools.cache
def _from_settings():
    """[(header, exempting attribute, its value, excluded URL prefixes)], built once."""
    headers = []
    for header, exempt, setting, report_only in _HEADERS:
        value = build_policy(report_only=report_only)
        if value:
            policy = getattr(settings, setting, None) or {}
            prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
            headers.append((header, exempt, value, prefixes))
    return headers


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _from_settings.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        for header, exempt, value, prefixes in _from_settings():
            if (
                header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        # As django-csp does: a nonce asked for after this point is an error, not a
        # nonce missing from the header.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
