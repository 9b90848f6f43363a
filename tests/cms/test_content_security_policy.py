"""The Content-Security-Policy middleware (cms/content_security_policy.py) builds the
site's policy once per process: every response must still get exactly the headers
django-csp's own middleware gives it, whatever the response asks for."""

import pytest
from csp.constants import NONCE, SELF
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.test import RequestFactory

from cms.content_security_policy import CSPMiddleware

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def plain():
    return HttpResponse("<p>A page</p>")


def exempt():
    response = HttpResponse("exempt")
    response._csp_exempt = True
    return response


def updated():
    response = HttpResponse("updated")
    response._csp_update = {"img-src": ["https://images.example"]}
    return response


def replaced():
    response = HttpResponse("replaced")
    response._csp_replace = {"script-src": ["'self'", "https://scripts.example"]}
    return response


def own_header():
    response = HttpResponse("own")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


RESPONSES = {
    "a page": plain,
    "a redirect": lambda: HttpResponseRedirect("/meetings/"),
    "not found": lambda: HttpResponseNotFound("no"),
    "exempt": exempt,
    "a view's update": updated,
    "a view's replacement": replaced,
    "a view's own header": own_header,
}


def policy(header_value):
    """The directives, in any order (django-csp orders them by a set)."""
    if header_value is None:
        return None
    return {part.strip() for part in header_value.split(";")}


def headers_from(middleware_class, path, make_response, use_nonce=False):
    request = RequestFactory().get(path)

    def view(request):
        response = make_response()
        if use_nonce:
            response.content = f'<script nonce="{request.csp_nonce}"></script>'.encode()
        return response

    response = middleware_class(view)(request)
    return {name: policy(response.headers.get(name)) for name in HEADERS}, response


@pytest.mark.parametrize("report_only", [False, True])
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/meetings/", "/admin/pages/"])
@pytest.mark.parametrize("kind", RESPONSES)
def test_every_response_gets_the_headers_django_csp_gives_it(
    kind, path, debug, report_only, settings
):
    settings.DEBUG = debug
    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
            "EXCLUDE_URL_PREFIXES": ["/admin/"],
            "DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-reports/"},
        }
    ours, _ = headers_from(CSPMiddleware, path, RESPONSES[kind])
    theirs, _ = headers_from(DjangoCSPMiddleware, path, RESPONSES[kind])
    assert ours == theirs
    if kind == "a page" and path == "/meetings/":
        assert "script-src 'self'" in ours["Content-Security-Policy"]
        assert (ours["Content-Security-Policy-Report-Only"] is not None) == report_only


def test_a_nonce_used_while_rendering_is_in_the_header(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    ours, response = headers_from(CSPMiddleware, "/meetings/", plain, use_nonce=True)
    nonce = response.content.decode().split('nonce="')[1].split('"')[0]
    script_src = next(d for d in ours["Content-Security-Policy"] if d.startswith("script-src"))
    assert f"'nonce-{nonce}'" in script_src


def test_a_changed_setting_changes_the_header(settings):
    before, _ = headers_from(CSPMiddleware, "/meetings/", plain)
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "https://maps.example"]}
    }
    after, _ = headers_from(CSPMiddleware, "/meetings/", plain)
    assert after != before
    assert "img-src 'self' https://maps.example" in after["Content-Security-Policy"]
