"""Retries: full-jitter backoff, Retry-After, what is retried and what is final, timeouts."""

from __future__ import annotations

import json
import random
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from offline_sync.errors import Offline, Refused, SyncError, Unauthorized
from offline_sync.evidence import EvidenceUploader
from offline_sync.http import Api, FullJitterRetry, RetryPolicy, full_jitter
from offline_sync.store import Store

FAST = RetryPolicy(retries=4, backoff_base=0.01, backoff_cap=0.05, connect_timeout=1,
                   read_timeout=1)


class Script:
    """A loopback HTTP server answering from a list: (status, headers, body) or 'hang'/'cut'."""

    def __init__(self, answers: list) -> None:
        self.answers, self.seen = list(answers), []
        script = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                script.seen.append((self.command, self.path, self.rfile.read(length)))
                answer = script.answers.pop(0) if script.answers else (200, {}, {})
                if answer == "cut":  # close without a response, as a dying proxy does
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if answer == "hang":
                    threading.Event().wait(3)
                    return
                status, headers, body = answer
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def script() -> Iterator:
    servers = []

    def make(*answers):
        servers.append(Script(list(answers)))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def test_full_jitter_stays_under_the_exponential_ceiling_and_the_cap():
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(10.0, 0.5 * 2 ** (attempt - 1))
        waits = [full_jitter(attempt, 0.5, 10.0, rng) for _ in range(300)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > 0.8 * ceiling and min(waits) < 0.2 * ceiling  # the whole range
    assert full_jitter(0, 0.5, 10.0, rng) == 0.0


def test_the_retry_object_uses_full_jitter_and_caps_retry_after():
    retry = FullJitterRetry(total=5, backoff_factor=1.0, backoff_max=4.0)
    for _ in range(3):
        retry = retry.increment(method="GET", url="/", error=ConnectionError("x"))
    assert all(0 <= retry.get_backoff_time() <= 4.0 for _ in range(100))
    assert len({retry.get_backoff_time() for _ in range(20)}) > 1
    assert retry.parse_retry_after("3") == 3
    assert retry.parse_retry_after("86400") == FullJitterRetry.RETRY_AFTER_MAX


def test_5xx_answers_are_retried_until_one_succeeds(script):
    server = script((503, {}, {}), (500, {}, {}), (200, {}, {"changes": [], "next_cursor": "1",
                                                                "has_more": False}))
    page = Api(server.url, "tok", FAST).pull("", 10)
    assert page["next_cursor"] == "1" and len(server.seen) == 3


def test_429_waits_as_long_as_retry_after_says(script):
    server = script((429, {"Retry-After": "1"}, {"title": "Too Many Requests"}),
                    (200, {}, {"results": []}))
    assert Api(server.url, "tok", FAST).push("d", []) == [] and len(server.seen) == 2


def test_each_retry_is_announced_with_its_cause_and_wait(script):
    import dataclasses

    heard = []
    policy = dataclasses.replace(FAST, notify=lambda *said: heard.append(said))
    server = script((503, {}, {}), "cut", (429, {"Retry-After": "1"}, {}),
                    (200, {}, {"results": []}))
    assert Api(server.url, "tok", policy).push("d", []) == [] and len(server.seen) == 4
    assert [(attempt, of) for attempt, of, _wait, _cause in heard] == [(1, 4), (2, 4), (3, 4)]
    assert heard[0][3] == "the server answered 503" and heard[2][3] == "the server answered 429"
    assert heard[1][3] == "the connection broke off"
    assert heard[2][2] == 1.0 and all(0 <= wait <= 0.05 for _, _, wait, _ in heard[:2])


def test_a_cut_connection_is_retried_even_for_a_post(script):
    server = script("cut", "cut", (200, {}, {"results": [{"status": "applied"}]}))
    assert Api(server.url, "tok", FAST).push("d", [{"x": 1}]) == [{"status": "applied"}]
    assert [s[0] for s in server.seen] == ["POST"] * 3
    assert server.seen[0][2] == server.seen[2][2]  # the same body each time


def test_a_4xx_is_final_and_carries_the_problem(script):
    server = script((422, {"Content-Type": "application/problem+json"},
                     {"title": "Validation failed", "detail": "mutations: required"}))
    with pytest.raises(Refused) as refused:
        Api(server.url, "tok", FAST).push("d", [])
    assert refused.value.status == 422 and "mutations" in str(refused.value)
    assert len(server.seen) == 1


def test_a_401_asks_for_a_new_sign_in(script):
    server = script((401, {}, {"title": "Unauthorized"}))
    with pytest.raises(Unauthorized):
        Api(server.url, "expired", FAST).pull("", 1)


def test_an_unreachable_server_means_offline_after_the_retry_budget(script):
    server = script()
    server.stop()
    with pytest.raises(Offline):
        Api(server.url, "tok", FAST).pull("", 1)


def test_a_refused_connection_is_announced_as_no_connection_not_as_a_timeout(script):
    import dataclasses

    heard = []
    server = script()
    server.stop()
    with pytest.raises(Offline):
        Api(server.url, "tok", dataclasses.replace(
            FAST, notify=lambda *said: heard.append(said))).pull("", 1)
    assert {cause for *_, cause in heard} == {"no connection"}


def test_a_server_that_keeps_failing_means_offline_not_an_error_page(script):
    server = script(*[(502, {}, {})] * 10)
    with pytest.raises(Offline):
        Api(server.url, "tok", FAST).pull("", 1)
    assert len(server.seen) == FAST.retries + 1


def test_a_server_that_never_answers_times_out(script):
    server = script("hang", "hang", "hang", "hang", "hang")
    policy = RetryPolicy(retries=1, backoff_base=0.01, backoff_cap=0.01, connect_timeout=1,
                         read_timeout=0.3)
    with pytest.raises(Offline):
        Api(server.url, "tok", policy).pull("", 1)
    assert len(server.seen) == 2


def test_a_malformed_server_address_is_an_error_not_offline():
    with pytest.raises(SyncError) as failure:
        Api("htp:/nowhere", "tok", FAST).pull("", 1)
    assert not isinstance(failure.value, Offline)


def test_the_command_line_tablet_says_why_it_waits_before_each_retry(script, tmp_path):
    from click.testing import CliRunner

    from offline_sync import cli
    from offline_sync.engine import Tablet

    server = script((503, {"Retry-After": "1"}, {}),
                    (200, {}, {"changes": [], "next_cursor": "1", "has_more": False}))
    tablet = Tablet(tmp_path)
    tablet.store.set(server=server.url, token="tok", device_id="d")
    tablet.close()
    result = CliRunner().invoke(cli.main, ["--home", str(tmp_path), "pull"])
    assert result.exit_code == 0, result.output
    assert ("No answer yet (the server answered 503): trying again in 1 s (retry 1 of 6)."
            in result.output)


def test_an_abandoned_upload_is_ended_on_its_own_server_only_and_kept_while_refused(
        script, tmp_path):
    server = script((403, {}, {"title": "Forbidden", "status": 403}), (410, {}, {}),
                    (204, {}, {}))
    store = Store(tmp_path / "t.sqlite3")
    urls = [f"{server.url}/api/v1/uploads/{n}" for n in (1, 2, 3)]
    for n, url in enumerate([*urls, "https://elsewhere.example/api/v1/uploads/4"]):
        store.set_item(f"sha256:{n}", url)
        store.cancel_upload(str(n))
    uploader = EvidenceUploader(store, Api(server.url, "token", FAST))
    assert uploader.end_abandoned() == 3  # 410: gone already; the other server's: let be
    assert [(method, path) for method, path, _ in server.seen] == [
        ("DELETE", "/api/v1/uploads/1"), ("DELETE", "/api/v1/uploads/2"),
        ("DELETE", "/api/v1/uploads/3")]  # the token went nowhere else
    assert store.abandoned_uploads() == [urls[0]]  # refused: tried again at the next push
    store.close()
