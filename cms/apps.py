from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Site components"

    def ready(self):
        from cms import new_pages
        from cms.site_fragments import connect_signals

        connect_signals()
        new_pages.connect()
