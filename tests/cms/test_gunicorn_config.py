"""gunicorn's settings (gunicorn.conf.py), read by gunicorn itself and run in fresh
processes: gunicorn finds them in the directory it starts in, and each worker, once it
has loaded the site, leaves what loading made out of the garbage collector's walks."""

import os
import subprocess
import sys

from django.conf import settings


def run(args, code=None):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"}
    command = [sys.executable, *(["-c", code] if code else args)]
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        command, env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=120
    )


def test_gunicorn_started_in_the_build_reads_the_sites_settings():
    result = run(["-m", "gunicorn", "--print-config", "cms.wsgi"])

    assert result.returncode == 0, result.stderr
    printed = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
    )
    assert printed["config"] == "./gunicorn.conf.py"
    assert printed["post_worker_init"] == "<post_worker_init()>"


def test_a_worker_that_has_loaded_the_site_leaves_it_out_of_the_collectors_walks():
    """As a worker: load the site (cms.wsgi), then the hook. What loading made is frozen;
    the collector tracks only what is made after."""
    code = """
import gc, runpy
import cms.wsgi
tracked_after_loading = len(gc.get_objects())
runpy.run_path("gunicorn.conf.py")["post_worker_init"](None)
print(tracked_after_loading, gc.get_freeze_count(), len(gc.get_objects()))
"""
    result = run(None, code)

    assert result.returncode == 0, result.stderr
    loaded, frozen, still_walked = map(int, result.stdout.split())
    assert loaded > 100_000  # Django, Wagtail and the site
    assert frozen > 0.9 * loaded
    assert still_walked < 0.01 * loaded
