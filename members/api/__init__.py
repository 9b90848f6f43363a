"""The member API: a confirmed member's own profile and meetings, as JSON.

Served under /api/member/v1/ (routes in `members.api_urls`), apart from the
public Wagtail API v2, which carries no member data. Programs authenticate with
a token the member creates on their "API token" page; the site's own pages use
the session. Who gets data is decided in `members.api.access`.
"""
