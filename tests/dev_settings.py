"""The development settings as a fresh process reads them from its environment."""

import json
import os
import subprocess
import sys

from django.conf import settings


def dev_setting(expression, *, unset=(), **env):
    """Evaluate ``expression`` (Python naming ``settings``) in a fresh process with
    ``cms.settings.dev``, this process's environment less the variables named in
    ``unset``, and ``env``; its value, through JSON."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}))"
    )
    environment = {name: value for name, value in os.environ.items() if name not in unset}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env={**environment, "DJANGO_SETTINGS_MODULE": "cms.settings.dev", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
