"""What a browser downloads for the meeting page, compressed, against the 40 KB target;
and the light voting page for 2G (issue 16), against 15 KB in at most two requests.

    .venv/bin/python -m bench.page_weight

The demo content (`manage.py load_demo`) with its Chapter AGM under way, as in
bench/member_pages.py: 100 members have voted on the motion, which is closed
(result and counted receipts on the page), and the budget is open. gunicorn
serves the site with the production settings; whitenoise serves the static
files compressed after collectstatic.

The meeting page is fetched as the demo member Maya Okonkwo (signed in, vote
form checked) with `Accept-Encoding: gzip, br`, then every stylesheet, script,
image, font and frame it references (found with html.parser, and url() /
@import followed in stylesheets), each once. For each: its size uncompressed
and as transferred (the body as the server sent it; where the server did not
compress it, gzip -9 of it, and the table says so). Headers are not counted.
The total is compared with the target: 40 KB = 40,000 bytes, compressed.

The public home page and a content page (/about/) are measured the same way,
for information.

The script fails (exit 1) when a page references another host (a third-party
request), when a script looks like a JavaScript framework (by its name or its
contents), or when a page or resource does not answer 200. A missed weight
target is printed, not failed on, like the other benchmarks' targets.
"""

import gzip
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from bench._members import eligible_members, load_demo, meeting_under_way, sign_in
from bench._server import BenchSite

TARGET_BYTES = 40_000  # "40 KB compressed", read strictly (not 40 × 1024)
# The light voting page (`<meeting>/vote/`, issue 16): for 2G and old phones.
LIGHT_TARGET_BYTES = 15_000
LIGHT_MAX_REQUESTS = 2
VOTERS = 100

# Script names that are, or belong to, a JavaScript framework or UI library.
FRAMEWORK_NAMES = {
    "alpine",
    "alpinejs",
    "angular",
    "backbone",
    "ember",
    "htmx",
    "inferno",
    "jquery",
    "knockout",
    "lit",
    "mithril",
    "preact",
    "react",
    "solid",
    "stimulus",
    "svelte",
    "turbo",
    "unpoly",
    "vue",
}
# What those libraries' own code contains (their banners and globals).
FRAMEWORK_SIGNS = re.compile(
    r"jQuery v\d|jquery\.org/license|React\.createElement|__REACT_DEVTOOLS|react\.production"
    r"|Vue\.createApp|__VUE__|vuejs\.org|angular\.module|@angular/core|htmx\.org|htmx\.process"
    r"|Alpine\.start|alpinejs|svelte/internal|Stimulus\.Application|hotwired|unpoly\.com"
    r"|preactjs|lit-html|Backbone\.Model|Ember\.Application|knockoutjs",
)


@dataclass
class Reference:
    kind: str  # stylesheet, script, image, font, frame, media, other
    url: str
    inline: bool = False


class PageResources(HTMLParser):
    """Everything in a page that makes the browser fetch something as it loads the page
    (links and forms are not fetched until followed, so they are left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.references = []
        self.inline_scripts = 0
        self.styles = []  # the text of <style> elements, for their url()s
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        add = self.references.append
        if tag == "script":
            if attrs.get("src"):
                add(Reference("script", attrs["src"]))
            elif attrs.get("type", "").lower() not in ("application/json", "application/ld+json"):
                self.inline_scripts += 1
        elif tag == "link" and attrs.get("href"):
            rel = set(attrs.get("rel", "").lower().split())
            if "stylesheet" in rel:
                add(Reference("stylesheet", attrs["href"]))
            elif rel & {"icon", "apple-touch-icon", "mask-icon"}:
                add(Reference("image", attrs["href"]))
            elif rel & {"preload", "modulepreload", "prefetch", "manifest"}:
                add(Reference(attrs.get("as") or "other", attrs["href"]))
            elif rel & {"preconnect", "dns-prefetch"}:
                add(Reference("connection", attrs["href"]))
        elif tag in ("img", "source", "input") and (attrs.get("src") or attrs.get("srcset")):
            if tag != "input" or attrs.get("type", "").lower() == "image":
                kind = "media" if tag == "source" and not attrs.get("srcset") else "image"
                for url in [attrs.get("src", "")] + srcset_urls(attrs.get("srcset", "")):
                    if url:
                        add(Reference(kind, url))
        elif tag in ("iframe", "frame", "embed") and attrs.get("src"):
            add(Reference("frame", attrs["src"]))
        elif tag == "object" and attrs.get("data"):
            add(Reference("frame", attrs["data"]))
        elif tag in ("video", "audio", "track"):
            for name in ("src", "poster"):
                if attrs.get(name):
                    add(Reference("media", attrs[name]))
        if tag == "style":
            self._in_style = True
        if attrs.get("style"):
            self.styles.append(attrs["style"])

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def srcset_urls(srcset):
    return [part.split()[0] for part in srcset.split(",") if part.strip()]


def css_references(css):
    """The url()s and @imports of a stylesheet (data: URLs load nothing)."""
    found = []
    for match in re.finditer(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)", css):
        found.append(Reference("stylesheet", match.group(1)))
    for match in re.finditer(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)", css):
        url = match.group(2).strip()
        if url.startswith("data:") or any(ref.url == url for ref in found):
            continue
        kind = "font" if re.search(r"\.(woff2?|ttf|otf|eot)(\?|#|$)", url) else "image"
        found.append(Reference(kind, url))
    return found


def page_references(html):
    """(references, number of inline scripts) of a page, its inline styles' url()s included."""
    parser = PageResources()
    parser.feed(html)
    parser.close()
    references = list(parser.references)
    for style in parser.styles:
        references += [Reference(ref.kind, ref.url, inline=True) for ref in css_references(style)]
    return references, parser.inline_scripts


def is_third_party(url, page_url):
    """True when the URL (as the browser resolves it on the page) is on another host."""
    resolved = urlsplit(urljoin(page_url, url))
    if resolved.scheme not in ("http", "https"):
        return resolved.scheme not in ("data", "blob")
    return resolved.netloc != urlsplit(page_url).netloc


def framework_in_script(url, text=""):
    """The framework a script looks like (by its file name or its contents), or None."""
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    words = set(re.split(r"[^a-z]+", name))
    named = words & FRAMEWORK_NAMES
    if named:
        return sorted(named)[0]
    sign = FRAMEWORK_SIGNS.search(text)
    return sign.group(0) if sign else None


# Fetching ------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, cookie=None, encoding="gzip, br"):
    """(status, Content-Encoding, body as sent) without following redirects."""
    headers = {"Accept-Encoding": encoding}
    if cookie:
        headers["Cookie"] = cookie
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers.get("Content-Encoding", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Encoding", ""), error.read()


@dataclass
class Row:
    kind: str
    path: str
    status: int
    plain: int  # bytes uncompressed
    sent: int  # bytes transferred, or gzip -9 of it where the server does not compress
    how: str


def measure(url, kind, cookie):
    """One resource: as transferred (gzip, br accepted) and uncompressed (identity)."""
    status, encoding, body = fetch(url, cookie)
    plain_status, _, plain = fetch(url, cookie, encoding="identity")
    path = urlsplit(url).path
    if encoding:
        how = f"{encoding} by the server"
        sent = len(body)
    else:
        how = "not compressed by the server: gzip -9 here"
        sent = len(gzip.compress(plain, compresslevel=9))
    status = plain_status if status == 200 else status
    return Row(kind, path, status, len(plain), sent, how), plain


def weigh(base_url, path, cookie=None, check=None):
    """Measure a page and everything it loads; returns (rows, problems, notes, the HTML)."""
    page_url = base_url + path
    row, html_bytes = measure(page_url, "page (HTML)", cookie)
    html = html_bytes.decode("utf-8", "replace")
    rows, problems, notes = [row], [], []
    if row.status != 200:
        problems.append(f"{path}: HTTP {row.status}")
        return rows, problems, notes, html
    if check:
        problems += check(html)
    references, inline_scripts = page_references(html)
    if inline_scripts:
        notes.append(f"{inline_scripts} inline script(s) in the page")
    seen = set()
    queue = [(ref, page_url) for ref in references]
    while queue:
        ref, where = queue.pop(0)
        if is_third_party(ref.url, where):
            problems.append(f"third-party {ref.kind} in {urlsplit(where).path}: {ref.url}")
            continue
        url = urljoin(where, ref.url)
        if url in seen or urlsplit(url).scheme in ("data", "blob"):
            continue
        seen.add(url)
        if ref.kind == "connection":
            continue
        row, body = measure(url, ref.kind, cookie)
        rows.append(row)
        if row.status != 200:
            problems.append(f"{row.path}: HTTP {row.status}")
            continue
        if ref.kind == "script":
            framework = framework_in_script(url, body.decode("utf-8", "replace"))
            if framework:
                problems.append(f"{row.path} looks like a JavaScript framework ({framework})")
        if ref.kind == "stylesheet":
            queue += [(css_ref, url) for css_ref in css_references(body.decode("utf-8", "replace"))]
    return rows, problems, notes, html


def print_table(title, rows):
    total_plain = sum(row.plain for row in rows)
    total_sent = sum(row.sent for row in rows)
    print(f"\n{title}")
    print(f"  {'resource':<48} {'uncompressed':>12} {'transferred':>12}  how")
    for row in rows:
        label = f"{row.kind}: {row.path}"
        print(f"  {label:<48} {row.plain:>12,} {row.sent:>12,}  {row.how}")
    print(f"  {'total (' + str(len(rows)) + ' requests)':<48} {total_plain:>12,} {total_sent:>12,}")
    return total_sent


def receipts_share(html, total):
    """What the closed item's list of counted receipts weighs, and the number of ballots at
    which the page with its CSS and JS would reach the target (one code per ballot)."""
    match = re.search(r'<ul class="receipts__list">.*?</ul>', html, re.DOTALL)
    if match is None:
        return
    codes = match.group(0).count("<li>")
    without = html[: match.start()] + html[match.end() :]
    share = len(gzip.compress(html.encode(), 9)) - len(gzip.compress(without.encode(), 9))
    per_code = share / codes
    print(
        f"  of which the {codes} counted receipts listed under the closed motion: {share:,} "
        f"bytes compressed ({per_code:.1f} a ballot); at that rate the meeting page reaches "
        f"{TARGET_BYTES:,} bytes with about {codes + (TARGET_BYTES - total) / per_code:,.0f} "
        "ballots on one closed item"
    )


def member_page_check(html):
    """The page really is the signed-in member's: their vote form, not the sign-in prompt."""
    if 'class="vote-form"' not in html or "Cast my vote" not in html:
        return ["the meeting page has no vote form: not the signed-in member's page"]
    return []


def light_page_check(html):
    """The light page shows the open item's form."""
    if "Cast my vote" not in html or "csrfmiddlewaretoken" not in html:
        return ["the light voting page has no vote form"]
    return []


def vote_on_light_page(base_url, path, cookie):
    """Vote from the light page as its form does: the page (for its CSRF cookie and token),
    the POST, and the page the redirect leads to. Returns (rows of the vote and its answer,
    problems, the answer's HTML)."""
    opener = urllib.request.build_opener(NoRedirect)
    page = urllib.request.Request(base_url + path, headers={"Cookie": cookie})  # noqa: S310
    with opener.open(page, timeout=20) as response:
        html = response.read().decode()
        set_cookies = response.headers.get_all("Set-Cookie") or []
    csrf_cookie = next((c.split(";")[0] for c in set_cookies if c.startswith("csrftoken=")), "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    choice = re.search(r'name="choice" value="(\d+)"', html).group(1)
    body = f"csrfmiddlewaretoken={token}&light=1&choice={choice}".encode()
    both = "; ".join(part for part in (cookie, csrf_cookie) if part)
    post = urllib.request.Request(  # noqa: S310 - loopback only
        base_url + action,
        data=body,
        headers={
            "Cookie": both,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": base_url + path,
            "Accept-Encoding": "gzip, br",
        },
    )
    try:
        with opener.open(post, timeout=20) as response:
            status, location, sent = (
                response.status,
                response.headers.get("Location"),
                response.read(),
            )
    except urllib.error.HTTPError as error:
        status, location, sent = error.code, error.headers.get("Location"), error.read()
    rows = [Row("vote (POST)", urlsplit(action).path, status, len(sent), len(sent), "as sent")]
    problems = [] if status == 302 else [f"the vote answered HTTP {status}, not a redirect"]
    answer_row, answer = measure(urljoin(base_url + path, location or path), "answer page", both)
    rows.append(answer_row)
    answer_html = answer.decode("utf-8", "replace")
    if "Your vote is recorded" not in answer_html:
        problems.append("the answer page does not say the vote is recorded")
    return rows, problems, answer_html


# Main ----------------------------------------------------------------------------------


def main():
    with BenchSite("weight", workers=2) as site:
        site.setup_django(collectstatic=True)

        meeting = load_demo()
        members = eligible_members(meeting, VOTERS)
        item = meeting_under_way(meeting, members)
        member = members[0]
        ((cookie, _),) = sign_in([member.account])
        meeting_path = meeting.get_url()
        print(
            f"Demo content loaded; {meeting.title!r}: the motion closed with {VOTERS} votes, "
            f"{item.title!r} open; signed in as {member.full_name} ({member.member_id})",
            flush=True,
        )
        site.start_server()
        print(f"gunicorn: {site.description} on {site.base_url}, production settings, whitenoise")

        pages = [
            ("Meeting page, signed-in member", meeting_path, cookie, member_page_check),
            ("Home page, public (for information)", "/", None, None),
            ("Content page /about/, public (for information)", "/about/", None, None),
        ]
        all_problems = []
        totals = {}
        without_icon = []
        for title, path, page_cookie, check in pages:
            rows, problems, notes, html = weigh(site.base_url, path, page_cookie, check)
            totals[path] = print_table(f"{title}: GET {path}", rows)
            if not re.search(r"<link\b[^>]*\brel=\"?[^\">]*\bicon\b", html):
                without_icon.append(path)
            receipts_share(html, totals[path])
            for note in notes:
                print(f"  note: {note}")
            for problem in problems:
                print(f"  PROBLEM: {problem}")
            all_problems += problems

        # Browsers ask for /favicon.ico by themselves when a page names no icon.
        if without_icon:
            status, encoding, body = fetch(site.base_url + "/favicon.ico")
            print(
                f"\n{', '.join(without_icon)} name no icon, so browsers also ask for "
                f"/favicon.ico: HTTP {status}, {len(body):,} bytes"
                f"{' (' + encoding + ')' if encoding else ''}; not counted above."
            )
        else:
            print("\nEvery page above names its icon (counted), so no /favicon.ico request.")

        # The light voting page for 2G: loading it, then voting from it and its answer.
        light_path = meeting_path + "vote/"
        rows, problems, notes, _ = weigh(site.base_url, light_path, cookie, light_page_check)
        light_total = print_table(f"Light voting page, signed-in member: GET {light_path}", rows)
        light_requests = len(rows)
        vote_rows, vote_problems, _ = vote_on_light_page(site.base_url, light_path, cookie)
        answer_total = print_table("Voting from the light page: the vote and its answer", vote_rows)
        all_problems += problems + vote_problems
        for problem in problems + vote_problems:
            print(f"  PROBLEM: {problem}")
        light_ok = (
            max(light_total, answer_total) <= LIGHT_TARGET_BYTES
            and max(light_requests, len(vote_rows)) <= LIGHT_MAX_REQUESTS
        )
        print(
            f"\nLight voting page: {light_total:,} bytes in {light_requests} request(s); "
            f"the vote's answer: {answer_total:,} bytes in {len(vote_rows)} requests; "
            f"target ≤ {LIGHT_TARGET_BYTES:,} bytes and ≤ {LIGHT_MAX_REQUESTS} requests each: "
            f"{'PASS' if light_ok else 'FAIL'}"
        )

        total = totals[meeting_path]
        verdict = "PASS" if total <= TARGET_BYTES else "FAIL"
        print(
            f"\nMeeting page with all its CSS and JS: {total:,} bytes transferred "
            f"({total / 1000:.1f} KB); target ≤ {TARGET_BYTES:,} bytes: {verdict}"
        )
        print(
            "Third-party requests: "
            + ("none" if not any("third-party" in p for p in all_problems) else "SOME (above)")
        )
        print(
            "JavaScript frameworks: "
            + ("none" if not any("framework" in p for p in all_problems) else "SOME (above)")
        )
        if all_problems:
            raise SystemExit(f"page_weight: {len(all_problems)} problem(s), listed above")


if __name__ == "__main__":
    main()
