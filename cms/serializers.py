"""API field serializers shared by page types (kept apart from cms.api, which
imports Wagtail's views and so cannot be imported while models load)."""

from rest_framework.fields import Field

from cms.blocks import document_api_representation


class DocumentField(Field):
    """A linked document as the API shows it: title, type, size and download URL."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, document):
        return document_api_representation(document, self.context)
