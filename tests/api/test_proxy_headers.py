"""Behind reverse proxies (TRUSTED_PROXIES) the client's address and scheme are believed from
the X-Forwarded- headers; the host the client asked for (X-Forwarded-Host) only when
TRUSTED_PROXY_HOST says the proxies set it themselves: a proxy passing a client's Host on
would let anyone make the links the server writes point at another site."""

from __future__ import annotations

import pytest
from flask import jsonify, request

from server.config import load_config
from tests.api.test_auth import _proxied_app

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "phishing.example"}


def _seen(app, **config) -> dict[str, str]:
    """What an app built with `config` takes the client's address, scheme and host to be."""
    proxied = _proxied_app(app, **config)
    proxied.add_url_rule("/seen", "seen", lambda: jsonify(
        address=request.remote_addr, scheme=request.scheme, host=request.host,
        link=request.host_url))
    return proxied.test_client().get("/seen", headers=FORWARDED,
                                     base_url="http://enforcement.example.cn").get_json()


def test_a_trusted_proxy_gives_the_clients_address_and_scheme_but_not_the_host(app):
    assert _seen(app, TRUSTED_PROXIES=1) == {
        "address": "203.0.113.7", "scheme": "https", "host": "enforcement.example.cn",
        "link": "https://enforcement.example.cn/"}


def test_the_forwarded_host_is_believed_only_when_trusted_explicitly(app):
    assert _seen(app, TRUSTED_PROXIES=1, TRUSTED_PROXY_HOST=True)["link"] == (
        "https://phishing.example/")


def test_without_trusted_proxies_no_forwarded_header_is_believed_even_the_host(app):
    assert _seen(app, TRUSTED_PROXIES=0, TRUSTED_PROXY_HOST=True) == {
        "address": "127.0.0.1", "scheme": "http", "host": "enforcement.example.cn",
        "link": "http://enforcement.example.cn/"}


@pytest.mark.parametrize(("value", "trusted"), [(None, False), ("0", False), ("1", True),
                                                ("true", True)])
def test_trusted_proxy_host_is_read_from_the_environment_off_by_default(
        monkeypatch, tmp_path, value, trusted):
    if value is None:
        monkeypatch.delenv("TRUSTED_PROXY_HOST", raising=False)
    else:
        monkeypatch.setenv("TRUSTED_PROXY_HOST", value)
    assert load_config(tmp_path)["TRUSTED_PROXY_HOST"] is trusted
