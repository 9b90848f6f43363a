"""Site search and robots.txt."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.models import Page

from home.search import search_pages

RESULTS_PER_PAGE = 10
MAX_QUERY_LENGTH = 200


@require_GET
def search(request):
    """Search published public pages, in members' words too; restricted pages never show up."""
    query = request.GET.get("query", "").strip()[:MAX_QUERY_LENGTH]
    results, also_searched = Page.objects.none(), []
    if query:
        # Also in the words our pages use ("Zoom" finds the guides' "video call").
        results, also_searched = search_pages(query)

    paginator = Paginator(results, RESULTS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)

    return TemplateResponse(
        request,
        "search/search_results.html",
        {
            "search_query": query,
            "search_results": page,
            "result_count": paginator.count,
            "also_searched": also_searched,
        },
    )


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return TemplateResponse(
        request, "robots.txt", {"lines": lines}, content_type="text/plain; charset=utf-8"
    )
