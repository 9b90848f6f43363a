"""The site's own pages in the Wagtail admin, each opened by one permission."""

from django.contrib.auth.models import Permission
from django.template.response import TemplateResponse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class PermissionNeededAdminPage(WagtailAdminTemplateMixin, TemplateView):
    """An admin page for users holding `permission` ("app_label.codename").

    Others get a real 403 page naming the permission they lack, rather than the
    redirect to the dashboard that Wagtail makes of PermissionDenied, which would
    leave them wondering whether the link is broken.
    """

    permission = None
    refused_template = "cms/admin/permission_needed.html"

    @classmethod
    def may_use(cls, user):
        return user.has_perm(cls.permission)

    def dispatch(self, request, *args, **kwargs):
        if not self.may_use(request.user):
            app_label, codename = self.permission.split(".")
            needed = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            context = self.get_context_data(needed=needed.name if needed else self.permission)
            return TemplateResponse(request, self.refused_template, context, status=403)
        return super().dispatch(request, *args, **kwargs)
