"""The one table of the site's components: new-page forms in the admin."""

from django.conf import settings
from django.db import models


class NewPageForm(models.Model):
    """One new-page form an editor opened in the admin, and the page it became.

    Wagtail 8 autosaves a new page: the create form posts itself in the background,
    which creates the page as a draft. The form keeps posting to the create address
    until that request's answer reaches the browser, so a Publish (or Save draft, or
    Submit) pressed meanwhile would create the page a second time. Each form carries a
    random key (``cms.new_page_forms``); its requests queue on this row and act on the
    page the first one created.
    """

    key = models.UUIDField(unique=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, on_delete=models.CASCADE, related_name="+"
    )
    # The editor sent the form themselves (Publish, Save draft, Submit): the browser has
    # moved on, and an autosave of it that arrives later holds older content.
    submitted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"New page form {self.key}"
