"""gunicorn's settings for the site, read from the directory gunicorn starts in (the
build's root: `gunicorn cms.wsgi ...`, as docs/deploy.md runs it). The command line
gives the rest (workers, bind).

Each worker, once it has loaded the site, hands what loading made (Django, Wagtail and
the site's modules: about 300,000 objects, which live as long as the worker) to
`gc.freeze`, so the garbage collector no longer walks them. Otherwise a full collection
walks all of them: a pause of about 200 ms in the middle of some request every few
thousand requests, with the few cyclic objects each request leaves (about 4 on a
member's meeting page) piling up until then. Measured in-process on the meeting page
with the bench's data; with gunicorn, bench/member_pages.py and docs/deploy.md.
"""

import gc


def post_worker_init(worker):
    gc.collect()  # what loading left behind, before the rest is frozen
    gc.freeze()
