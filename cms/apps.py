from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Site components"

    def ready(self):
        from cms import frontend_purge, new_pages, site_version

        site_version.connect_signals()
        frontend_purge.connect_signals()
        new_pages.connect()
