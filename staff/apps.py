from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Staff roles and editorial workflow"

    def ready(self):
        from staff import roles

        roles.connect()
