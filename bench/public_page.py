"""A public content page beside a static file, with and without the page cache, with wrk.

    .venv/bin/python -m bench.public_page
    BENCH_WORKERS=4 .venv/bin/python -m bench.public_page    # gunicorn workers (default 2)
    BENCH_WORKER_CLASS=gthread .venv/bin/python -m bench.public_page   # threaded, keep-alive

The demo content (`manage.py load_demo`); the page is its "About the union"
content page, fetched as an anonymous visitor (no cookies), which the page cache
(cms/caching.py) keeps in Redis and serves before sessions, authentication or
CSRF run. wrk (Debian's package, installed when missing) drives the page and the
site's stylesheet, which whitenoise serves from the same gunicorn (under its
hashed name, after collectstatic into a temporary STATIC_ROOT), alternately, a
few rounds each; then gunicorn is restarted with PAGE_CACHE=off and the same
runs are made again. Printed for each: requests/s, latency, the ratio to the
static file's rate, and the CPU gunicorn's workers spent per request. The target:
the cached page at least 0.8 × the static file's rate.

It also checks what the cache promises: the page's headers (public, s-maxage,
Vary: Cookie, the Content-Security-Policy); that a hit makes no database query
(no connection to the bench database starts or runs a statement while wrk runs
the cached page, by pg_stat_activity, which unlike pg_stat_database's counts is
not reported late; as a control, one request after a purge does); and that
publishing an edit through the ORM shows at once through gunicorn. Those failing,
or any response not 2xx, exit 1; a missed speed target is printed, not failed
on, like the other benchmarks.

Throw-away PostgreSQL and Redis databases, production settings, gunicorn on a
free 127.0.0.1 port: see bench/_server.py. All are removed at the end.

Figures (a quiet machine): 0.79-0.82 × the static file by rate, 0.88 × by CPU (4bcc368).
Since the Content-Security-Policy is built once per process (cms/content_security_policy.py),
the static file, which passes that middleware and a cache hit does not, costs about
90 µs less: two runs gave 0.72 and 0.63 × by rate (rounds 0.53-0.89), 0.83 and 0.73 × by
CPU, with the hit's own CPU unchanged (740-775 µs a request against the static file's
563-613 µs). What a hit still pays beyond the static file is Django's handler and one
Redis round trip; serving hits before Django's handler (in the WSGI application) is the
next step.
With hits answered by the WSGI application before Django's handler (cms/wsgi.py,
PageCacheApplication), on a quiet machine (d8b89f2): 0.92 × the static file by rate
(rounds 0.89-0.94), 1.08 × by CPU (473 µs a hit against the static file's 512 µs); one
run on a machine busy with another agent's work: 1.00 × by rate, 1.10 × by CPU.
On a quiet machine (8a38fe4): 0.86 × by rate (rounds 0.86-0.88), 1.04 × by CPU (388 µs
a hit against the static file's 402 µs); without the page cache 0.16 ×.
"""

import io
import os
import urllib.request

from bench import _wrk
from bench._server import BenchSite

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
ROUNDS = 3  # each URL, alternately, in each phase
TARGET_RATIO = 0.8  # issue #17
PAGE_SLUG = "about"


def get(url):
    """Status, headers and body of an anonymous GET (no cookies)."""
    with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - loopback only
        return response.status, response.headers, response.read().decode("utf-8", "replace")


def measure(site, wrk, targets):
    """ROUNDS wrk runs of each target, alternately; the runs and CPU used, by name."""

    def runner(path):
        url = site.base_url + path
        return lambda: _wrk.run(wrk, url)

    return site.alternate_runs(ROUNDS, [(name, runner(path)) for name, path in targets])


def report(title, runs, cpu):
    """Print one phase's figures; returns the median ratio page ÷ static file."""
    print(f"\n{title}")
    per_request = {}
    for label, name in [("content page", "page"), ("static file", "static")]:
        requests = sum(run["requests"] for run in runs[name])
        workers = sum(used["workers"] for used in cpu[name])
        per_request[name] = workers / requests
        print(
            f"  {label:<13} {_wrk.rates_summary(runs[name])}, "
            f"{1e6 * per_request[name]:5.0f} µs of worker CPU a request"
        )
        _wrk.print_runs(runs[name], 6)
    ratio, shown = _wrk.ratios_by_round(runs["page"], runs["static"])
    print(f"  ratio content page ÷ static file: {shown}")
    # Less moved by other work on the machine than the rates: requests per CPU second.
    print(
        "  by worker CPU a request (requests per CPU second, content page ÷ static file): "
        f"{per_request['static'] / per_request['page']:.2f}"
    )
    return ratio


def database_clock(site):
    with site.admin_connection() as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def database_activity_since(site, since):
    """Connections to the bench database that connected or began or ended a statement
    since `since` (a time by the database's clock)."""
    with site.admin_connection() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND greatest(backend_start, state_change) > %s",
            [site.db_name, since],
        ).fetchone()[0]


def check_headers(headers):
    cache_control = {part.strip() for part in headers.get("Cache-Control", "").split(",")}
    problems = []
    if "public" not in cache_control or not any(
        part.startswith("s-maxage=") for part in cache_control
    ):
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}")
    if "cookie" not in headers.get("Vary", "").lower():
        problems.append(f"Vary is {headers.get('Vary')!r}")
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        if name not in headers:
            problems.append(f"no {name}")
    return problems


def main():
    wrk = _wrk.ensure()
    failures = []
    with BenchSite("public", workers=WORKERS) as site:
        site.setup_django(collectstatic=True)

        from django.contrib.staticfiles.storage import staticfiles_storage
        from django.core.management import call_command

        from home.models import ContentPage

        call_command("load_demo", stdout=io.StringIO())
        page = ContentPage.objects.get(slug=PAGE_SLUG)
        page_path = page.get_url()
        static_path = staticfiles_storage.url("css/site.css")
        targets = [("page", page_path), ("static", static_path)]
        ratios = {}

        # With the page cache ---------------------------------------------------------
        site.env["PAGE_CACHE"] = "on"
        site.start_server(ready_path=page_path)
        status, headers, html = get(site.base_url + page_path)
        page_bytes = len(html.encode())
        assert status == 200 and page.title in html, status
        failures += [f"the page's headers: {problem}" for problem in check_headers(headers)]
        status, _, css = get(site.base_url + static_path)
        assert status == 200, status
        print(
            f"Demo content loaded. gunicorn: {site.description} on {site.base_url}, Redis\n"
            f"  GET {page_path} ({page_bytes:,} bytes), {page.title!r}, anonymous: "
            f"Cache-Control: {headers.get('Cache-Control')}; Vary: {headers.get('Vary')}\n"
            f"  GET {static_path} ({len(css.encode()):,} bytes), whitenoise\n"
            f"{_wrk.settings_line(ROUNDS)}",
            flush=True,
        )

        started = database_clock(site)
        runs, cpu = measure(site, wrk, targets)
        active = database_activity_since(site, started)
        ratios["on"] = report("Page cache on (PAGE_CACHE=on, Redis):", runs, cpu)
        bad = sum(run["non_2xx"] for name in runs for run in runs[name])
        page_requests = sum(run["requests"] for run in runs["page"])
        print(
            f"\nConnections to the database active while wrk ran {page_requests:,} requests "
            f"for the cached page (and the static runs): {active}"
        )

        # Publishing an edit shows at once, and the miss that follows queries the database.
        from django.db import connections

        new_title = "About our union"
        page.title = new_title
        page.save_revision().publish()
        connections.close_all()  # so that only gunicorn's workers count below
        published = database_clock(site)
        status, _, html = get(site.base_url + page_path)
        control = database_activity_since(site, published)
        shown = status == 200 and f"<h1>{new_title}</h1>" in html
        print(
            f"Published a new title through the ORM; the next GET shows it: "
            f"{'yes' if shown else 'NO'}; connections active for that request (a miss, "
            f"the control): {control}"
        )
        if not shown:
            failures.append("publishing did not purge the cached page")
        if active or not control:
            failures.append("a cache hit queried the database, or the check is blind")
        else:
            print("A cache hit makes no database query: confirmed.")

        # Without the page cache --------------------------------------------------------
        site.stop_server()
        site.env["PAGE_CACHE"] = "off"
        site.start_server(ready_path=page_path)
        _, headers, _ = get(site.base_url + page_path)
        runs, cpu = measure(site, wrk, targets)
        ratios["off"] = report(
            "Page cache off (PAGE_CACHE=off; fragments still cached):", runs, cpu
        )
        bad += sum(run["non_2xx"] for name in runs for run in runs[name])
        site.stop_server()

        met = ratios["on"] >= TARGET_RATIO
        print(
            f"\nCached content page ÷ static file: {ratios['on']:.2f} (without the page "
            f"cache {ratios['off']:.2f}); target ≥ {TARGET_RATIO}: {'PASS' if met else 'FAIL'}"
        )
        if bad:
            failures.append(f"{bad} responses were not 2xx/3xx")
        if failures:
            raise SystemExit("public_page: " + "; ".join(failures))
        if not met:
            print(f"public_page: ratio {ratios['on']:.2f} is under the {TARGET_RATIO} target")


if __name__ == "__main__":
    main()
