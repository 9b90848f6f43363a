"""Publishing a new page that Wagtail's autosave has already saved as a draft.

Wagtail 8 autosaves the create form (``WAGTAIL_AUTOSAVE_INTERVAL``, 500 ms after a
change): the first autosave posts the form to the create address, and that request
creates the page as a draft. Only when its answer reaches the browser does the form
switch to the page's edit address (``w-autosave``'s ``n.action = i.url``). Until then
a Publish, Save draft or Submit goes to the create address too, and creates the page
a second time: Wagtail refuses that with "The slug '…' is already in use within the
parent page" if the draft is already there when the form is checked, or fails with a
server error if the draft arrives between the check and the save (``Page.save``
checks the slug again). The same happens when an autosave that was waiting to be sent
goes out just after Publish.

So each create form carries a key (the ``new_page_form`` hidden field, added by
templates/wagtailadmin/pages/create.html), and its requests take turns on that key's
row (``cms.models.NewPageForm``): the first creates the page, and any later one acts on
that page through Wagtail's own edit view, so Publish publishes the draft with the
form's content. An autosave arriving after the editor sent the form is refused as
out of date instead of saving older content over what was published.
"""

import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.views.pages.create import CreateView
from wagtail.admin.viewsets.pages import PageViewSet

from cms.models import NewPageForm

KEY_FIELD = "new_page_form"
# A form's requests all come within minutes of one another; older rows only take room.
FORGET_FORMS_AFTER = timedelta(days=1)


def _key_of(request):
    try:
        return uuid.UUID(request.POST.get(KEY_FIELD, ""))
    except ValueError:
        return None  # a form without a key (or a client of its own) is created as before


def _claim(key, editor):
    """The key's row, locked until this request's transaction ends: a request with the
    same key waits here until the one before it has created the page, or not."""
    # Insert first: on SQLite a transaction that begins by reading cannot take the
    # write lock while another holds it; on PostgreSQL the insert waits for the other.
    NewPageForm.objects.bulk_create([NewPageForm(key=key, editor=editor)], ignore_conflicts=True)
    NewPageForm.objects.filter(created_at__lt=timezone.now() - FORGET_FORMS_AFTER).delete()
    form = NewPageForm.objects.select_for_update().get(key=key)
    if form.editor_id != editor.pk:
        raise PermissionDenied  # keys are random: someone else's was copied
    return form


def _edit(request, page_id):
    """Wagtail's edit view for the page, with this request's form."""
    match = resolve(reverse("wagtailadmin_pages:edit", args=(page_id,)))
    return match.func(request, *match.args, **match.kwargs)


class CreatePageView(CreateView):
    """Wagtail's create view, creating the page once per form."""

    def post(self, request):
        key = _key_of(request)
        if key is None:
            return super().post(request)
        with transaction.atomic():
            form = _claim(key, request.user)
            if self.expects_json_response and form.submitted:
                # An autosave that went out after the editor sent the form: older content.
                return self.json_error_response(
                    "invalid_revision", _("Saving will overwrite a newer version.")
                )
            if form.page_id is None:
                response = super().post(request)
                if self.page.pk:
                    form.page_id = self.page.pk
            else:
                response = _edit(request, form.page_id)
            if not self.expects_json_response:
                form.submitted = True
            form.save()
        return response


class UnionPageViewSet(PageViewSet):
    """Wagtail's views for every page type, with the create view above."""

    add_view_class = CreatePageView
