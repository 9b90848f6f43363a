"""A live server for one test (the ``live_server`` fixture in tests/conftest.py)."""

import threading

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler

# How long a test's live server may take to finish the requests it was answering when
# the test ended, before the test is reported broken (a busy machine's slowest page
# takes a few seconds).
LIVE_SERVER_DRAIN_SECONDS = 60


class RequestsInFlight:
    """The live server's WSGI application, counting the requests it is answering.

    A request counts from its arrival until Django has closed its response, which is
    when Django closes the request's database connection. Once the server is stopped,
    requests still arriving on open connections are turned away without touching the
    database.
    """

    def __init__(self, application):
        self.application = application
        self.stopped = threading.Event()
        self._count = 0
        self._changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self._changed:
            if self.stopped.is_set():
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"The test is over."]
            self._count += 1
            self._changed.notify_all()
        try:
            response = self.application(environ, start_response)
        except BaseException:
            self._finished()
            raise
        return _Answer(response, self._finished)

    def _finished(self):
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait_until_under_way(self, count, timeout):
        """Wait until ``count`` requests are under way; False if that took too long."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count >= count, timeout)

    def stop_and_drain(self, timeout):
        """Turn new requests away, then wait for those under way. Returns how many are
        still under way after ``timeout`` seconds (0 when all have finished)."""
        with self._changed:
            self.stopped.set()
            self._changed.wait_for(lambda: self._count == 0, timeout)
            return self._count


class _Answer:
    """A response body passed through, telling the counter when the server closes it."""

    def __init__(self, response, on_close):
        self._response = response
        self._on_close = on_close

    def __iter__(self):
        return iter(self._response)

    def close(self):
        try:
            if hasattr(self._response, "close"):
                self._response.close()  # Django's request_finished: connections closed
        finally:
            self._on_close()


class LiveServer:
    """A live server for one test, on the test's own clean database.

    pytest-django's live server lives for the whole session, and on SQLite's in-memory
    test database it shares the test's one connection with every request thread. Here
    each test gets its own server, each request its own connection (the SQLite test
    database is a file: cms/settings/test.py), and the server is stopped, and every
    request it was answering finished, before the database is flushed for the next
    test: a request still under way, such as Wagtail's autosave or editing-session
    ping from a browser that was just closed, can neither write into the next test's
    database nor hold a lock its flush needs.
    """

    def __init__(self, address):
        from django.test.testcases import LiveServerThread
        from django.test.utils import modify_settings

        host, _, port = address.partition(":")
        self.in_flight = None

        def application(handler):
            self.in_flight = RequestsInFlight(StaticFilesHandler(handler))
            return self.in_flight

        self.thread = LiveServerThread(host, static_handler=application, port=int(port or 0))
        self.thread.daemon = True
        # pytest-django's _live_server_helper turns this on for the test's duration.
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": host})

    def start(self):
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error

    def stop(self):
        # Stop accepting connections first, then let what was accepted finish.
        self.thread.terminate()
        if self.in_flight is None:  # it never started
            return
        unfinished = self.in_flight.stop_and_drain(LIVE_SERVER_DRAIN_SECONDS)
        if unfinished:
            pytest.fail(
                f"the live server was still answering {unfinished} request(s) "
                f"{LIVE_SERVER_DRAIN_SECONDS} s after the test ended",
                pytrace=False,
            )

    @property
    def url(self):
        return f"http://{self.thread.host}:{self.thread.port}"

    def __str__(self):
        return self.url
