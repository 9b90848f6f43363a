"""The headless API: Wagtail API v2 for published public content.

Wagtail's pages endpoint serves only live pages without view restrictions, and
the documents endpoint only documents in public collections, so nothing a
member must sign in for is readable here. Member data gets its own
authenticated endpoints elsewhere.
"""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet


class PublicDocumentsAPIViewSet(DocumentsAPIViewSet):
    """Documents outside private collections, less every meeting's materials."""

    def get_queryset(self):
        from meetings.materials import material_document_ids

        return super().get_queryset().exclude(pk__in=material_document_ids())


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", PublicDocumentsAPIViewSet)
