"""URL routes. Wagtail's page serving comes last and catches the rest."""

from django.conf import settings
from django.urls import include, path, re_path, register_converter
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms import page_routing
from cms.api import api_router
from cms.converters import DatabaseIdConverter
from home import views as home_views
from members.api.tokens import api_token_page

# Before any app's URLs are read: `<id:...>` in them needs it.
register_converter(DatabaseIdConverter, "id")

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", home_views.search, name="search"),
    path("", include("members.urls")),
    path("", include("meetings.urls")),
    path("account/", include("allauth.urls")),
    path("api/v2/", api_router.urls),
    # The member API: authenticated, for a member's own data (members/api/).
    path("api/member/v1/", include("members.api_urls")),
    path("my-union/api-token/", api_token_page, name="member_api_token"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Images uploaded in development; documents always go through the view above.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages are served by Wagtail's view, with the route to the page and the site from the
# shared cache (cms/page_routing.py); Wagtail's own URLs (its password form) after it.
urlpatterns += [
    re_path(wagtail_urls.serve_pattern, page_routing.serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
]
