"""Loading the demo content, for tests of what `manage.py load_demo` builds and prints."""

from io import StringIO

from django.core.management import call_command


def load_demo(*args):
    """Run `manage.py load_demo` with these arguments; what it printed."""
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()
