from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings and AGM guides"

    def ready(self):
        from meetings import signals

        signals.connect()
