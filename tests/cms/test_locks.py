"""The two locks: production installs only what the site runs on (requirements.lock), the
developers' lock (requirements-dev.lock) adds the dev tools and pins everything the two
share to the same version, so tests run against what production runs."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
# Tools for developing and testing, never for serving a page: named here as well as read
# from the dev extra, so that moving one into the site's dependencies fails too.
DEV_TOOLS = {
    "pytest",
    "pytest-django",
    "playwright",
    "hypothesis",
    "schemathesis",
    "ruff",
    "pip-tools",
    "factory-boy",
    "faker",
    "wagtail-factories",
    "pypdf",
}


def normalised(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock):
    """{package: version} of a pip-compile lock's `name==version` lines."""
    found = {}
    for line in lock.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if match:
            found[normalised(match.group(1))] = match.group(2)
    return found


def pyproject_names(*path):
    """The package names of a requirements list in pyproject.toml ('dependencies' or the
    'optional-dependencies', 'dev' one)."""
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for key in path:
        table = table[key]
    return {normalised(Requirement(spec).name) for spec in table}


def test_the_production_lock_holds_no_dev_tool():
    production = pins(PRODUCTION_LOCK)
    dev_tools = DEV_TOOLS | pyproject_names("optional-dependencies", "dev")
    assert "pytest" in dev_tools and "playwright" in dev_tools
    assert sorted(dev_tools & production.keys()) == []


def test_the_production_lock_pins_every_dependency_of_the_site():
    production = pins(PRODUCTION_LOCK)
    site = pyproject_names("dependencies")
    assert {"django", "wagtail", "gunicorn", "psycopg"} <= site
    assert sorted(site - production.keys()) == []


def test_every_production_pin_is_the_same_in_the_dev_lock():
    production, dev = pins(PRODUCTION_LOCK), pins(DEV_LOCK)
    differing = {
        name: (version, dev.get(name, "missing"))
        for name, version in production.items()
        if dev.get(name) != version
    }
    assert differing == {}


def test_the_dev_lock_pins_every_dev_tool():
    dev = pins(DEV_LOCK)
    assert sorted(pyproject_names("optional-dependencies", "dev") - dev.keys()) == []
    assert sorted(DEV_TOOLS - dev.keys()) == []
