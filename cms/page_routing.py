"""Serving a page: the site, the route to the page and the page itself from the shared cache.

Wagtail finds a page by walking the tree from the site's root, one query for each
level and one more for each level's `.specific` (five on a meeting page), then asks
two more for the view restrictions of the page and its ancestors, and one for the
site. The answers are the same for every visitor until the page tree changes, and
every change to it (publishing, unpublishing, moving, renaming or deleting a page, a
privacy change, a site's settings, any save of a page beyond its draft's bookkeeping)
moves the site version (cms/site_version.py). So they are kept in the shared cache
with that version, and used only while it is the current one: which page (its id and
type) answers an address, what is left of the address for the page's own sub-routes,
the view restrictions that apply, the objects the page always shows beside its own row
(`serve_related`: a meeting's audience unit, whose save moves the version too), the
page's own row as it was read, and which site answers a host. Nothing about the
visitor is kept.

The page's row comes from the cache only for a GET or HEAD, which shows the page and
never saves it: what a visitor sees of a page changes only by a publish (or an
unpublish, move, rename or delete), each of which moves the version, and saving a
draft writes only the draft's bookkeeping (its latest revision, draft title, whether
there are unpublished changes, locking), which the live page does not show. Any other
request (a vote, a chair's action, a form) reads the row fresh, so what it saves is
never an older copy; there a kept related object is used only while the fresh row
still points at it. A member's meeting page then costs no query for the page at all:
it was one query, and the first of the page's three round trips to the database.

Joining the related objects in the page's own query cost PostgreSQL more than all the
rest of a meeting page: planning a join of nine tables took about 4 ms of the
server's CPU on every request (running it, 0.25 ms).

The version is kept in each value, not in its key, so that a request reads the
version, its session, the site and the route in one round trip to Redis
(`read_ahead.request_reads`) instead of two or three.

Anything not found (a 404) is left to Wagtail's own routing and never cached.
"""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db.models.base import ModelState
from django.http import Http404
from django.http.request import split_domain_port
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.models import Page, Site

from cms import read_ahead
from cms.prepared_queries import PreparedQuery
from cms.site_version import request_site_version, serving

# Kept for an hour at most; a new site version leaves them behind sooner.
ROUTE_TIMEOUT = 60 * 60


def _host(request):
    """The host and port a site is found by (as Wagtail's `Site.find_for_request`)."""
    return f"{split_domain_port(request._get_raw_host())[0]}:{request.get_port()}"


def site_key(request):
    return f"site-3:{_host(request)}"


def _kept(request, key):
    """What the shared cache keeps under `key` for the request's site version, or None.
    The version is in the value, not the key, so a request reads its version, session,
    site and route in one round trip (`serve`)."""
    kept = read_ahead.get(key)
    if kept is not None and kept[0] == request_site_version(request):
        return kept[1]
    return None


def _keep(request, key, value):
    read_ahead.put(key, (request_site_version(request), value), ROUTE_TIMEOUT)


def find_site(request):
    """`Site.find_for_request` from the shared cache; also kept on the request, where
    Wagtail's own `Site.find_for_request` (settings, page URLs) finds it."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    key = site_key(request)
    found = _kept(request, key)
    if found is None:
        site = Site._find_for_request(request)
        # The root page is read with the site, and the sites' root paths: every page
        # URL needs them (Wagtail would read the paths from the cache once more).
        found = (
            site,
            site.root_page if site is not None else None,
            Site.get_site_root_paths(),
        )
        _keep(request, key, found)
    site, root_page, root_paths = found
    if site is not None:
        site.root_page = root_page
    request._wagtail_site = site
    # Where Wagtail's page URLs look for the root paths first (Page._get_site_root_paths).
    request._wagtail_cached_site_root_paths = root_paths
    return site


def route_key(request, path):
    # By host and port, as the site is found: under one site version a host always
    # has the same site.
    address = f"{_host(request)}:{translation.get_language()}:{path}"
    digest = hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()
    return f"route-5:{digest}"


def route(request, path):
    """Wagtail's `Page.route_for_request`, answered from the shared cache when it can be:
    (page, args, kwargs) or None."""
    site = find_site(request)
    if site is None:
        return None
    key = route_key(request, path)
    entry = _kept(request, key)
    if entry is not None:
        result = route_from_entry(request, entry)
        if result is not None:
            request._wagtail_route_for_request = result
            return result
    result = Page.route_for_request(request, path)
    if result is not None:
        entry = entry_for(site, result[0], path)
        use_related(result[0], entry[4])
        _keep(request, key, entry)
    return result


def entry_for(site, page, path):
    """What the cache keeps of a route: the page's id and type, the rest of the address
    (its own sub-routes: a meeting's ballot/, vote/ ...), its view restrictions, its
    related objects (`related_of`) and its own row (`own_row`)."""
    components = [component for component in path.split("/") if component]
    remaining = components[page.depth - site.root_page.depth :]
    restrictions = list(page.get_view_restrictions().prefetch_related("groups"))
    row = own_row(page)
    use_restrictions(page, restrictions)
    return (page.pk, page.content_type_id, remaining, restrictions, related_of(page), row)


def own_row(page):
    """A copy of the page with its own fields alone, as they were read: none of its
    related objects, and nothing routing or a request has put on it."""
    fields = {field.attname for field in page._meta.concrete_fields}
    row = type(page).__new__(type(page))  # as unpickling makes a model instance
    row.__dict__.update((name, value) for name, value in page.__dict__.items() if name in fields)
    row._state = ModelState()
    row._state.adding, row._state.db = False, page._state.db
    return row


def related_of(page):
    """The page's `serve_related` objects (with theirs, `audience_chapter__local`), read
    in one query: {field name: (the key the page held, the object or None)}."""
    model = type(page)
    names = getattr(model, "serve_related", ())
    if not names:
        return {}
    loaded = model.objects.filter(pk=page.pk).select_related(*names).order_by().first()
    if loaded is None:
        return {}
    related = {}
    for name in dict.fromkeys(name.split("__")[0] for name in names):
        field = model._meta.get_field(name)
        related[name] = (getattr(loaded, field.attname), field.get_cached_value(loaded, None))
    return related


def use_related(page, related):
    """Give the page its kept related objects, each only if the page (read fresh) still
    points at it; any other is read on first use, as Django would."""
    for name, (key, value) in related.items():
        field = page._meta.get_field(name)
        if getattr(page, field.attname) == key:
            field.set_cached_value(page, value)


# The requests that show a page and never save it: the page's row may come from the cache.
SHOWING = frozenset({"GET", "HEAD"})


def route_from_entry(request, entry):
    page_id, content_type_id, remaining, restrictions, related, row = entry
    if request.method in SHOWING:
        page = row  # this request's own copy, unpickled from what it read
    else:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            return None
        page = next(iter(page_lookup(model)(page_id)), None)
        if page is None:
            return None
    use_related(page, related)
    use_restrictions(page, restrictions)
    try:
        # The page's own routing: whether it is live, and its sub-routes.
        return page.route(request, remaining)
    except Http404:
        return None


_PAGE_LOOKUPS = {}


def page_lookup(model):
    """The page of a type by its id (its own row only: its related objects come with the
    route), as a query compiled once per process (cms/prepared_queries.py)."""
    lookup = _PAGE_LOOKUPS.get(model)
    if lookup is None:

        def build(page_id):
            return model.objects.filter(pk=page_id).order_by()[:1]

        lookup = _PAGE_LOOKUPS.setdefault(model, PreparedQuery(build))
    return lookup


def use_restrictions(page, restrictions):
    # Wagtail's view-restriction check (its before_serve_page hook) asks the page.
    page.get_view_restrictions = lambda: restrictions


def serve(request, path):
    """Wagtail's page view, with the route found by `route` above; everything keyed on
    the site version while it is served uses the version the request read first."""
    # The site version, the session, the site and the route: one round trip.
    first_reads = read_ahead.request_reads(request, [site_key(request), route_key(request, path)])
    with first_reads, serving(request):
        route(request, path)
        response = wagtail_views.serve(request, path)
        # Rendered here, as Django would right after the view, so the template's keys
        # agree too.
        if callable(getattr(response, "render", None)) and not response.is_rendered:
            response.render()
        return response
