"""Removing a photo cited on a violation by mistake, from the command-line tablet, against the
real app on a loopback server: the unlink is queued offline, the tablet shows the violation
without it, the server's copy loses it, and a photo not sent yet that nothing else cites is
not sent for nothing."""

from __future__ import annotations

import json
from datetime import date
from functools import partial
from typing import Any

import pytest
from click.testing import Result

from offline_sync import Tablet, cli
from offline_sync.http import RetryPolicy

from .conftest import make_photo, server_copy, signed_in_cli

QUICK = RetryPolicy(retries=2, backoff_base=0.01, backoff_cap=0.05, connect_timeout=2,
                    read_timeout=10)


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def visit(live, field_day, tmp_path, monkeypatch) -> dict[str, Any]:
    """The first inspector's command-line tablet, pulled, with a record of the two
    inspectors at the enterprise (not sent yet) and a camera."""
    monkeypatch.setattr(cli, "Tablet", partial(Tablet, policy=QUICK))
    user, password = field_day["first"]
    run = signed_in_cli(tmp_path / "cli", live.url, user, password, "remove-tablet")
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--enterprise", field_day["enterprise"]["id"],
                     *(arg for who in field_day["team"] for arg in ("--inspector", who))))
    return {**field_day, "run": run, "record": record, "home": tmp_path / "cli",
            "camera": tmp_path / "camera"}


def _violation(visit: dict[str, Any], *photos: str) -> str:
    """A violation on the record citing these photos (files or digests)."""
    return _ok(visit["run"]("add-violation", visit["record"], "--code", "AIR_VOC",
                            "--occurred-on", date.today().isoformat(), "--lat", "31.2",
                            "--lon", "121.5", *(a for p in photos for a in ("--photo", p))))


def _status(visit: dict[str, Any]) -> dict[str, Any]:
    return json.loads(_ok(visit["run"]("status", "--json")))


def test_a_photo_removed_after_it_was_sent_leaves_the_violation_on_the_server(
        visit, client):
    run = visit["run"]
    first = str(make_photo(visit["camera"], 1))
    violation = _violation(visit, first)
    second = _ok(run("add-photo", str(make_photo(visit["camera"], 2)), "--violation",
                     violation)).split()[0]
    _ok(run("push"))
    sent = _status(visit)["outbox"]
    by_file = run("remove-photo", first, "--violation", violation)
    digest = _ok(by_file).split()[0]
    assert _ok(by_file) == f"{digest} removed from violation {violation} (queued for the " \
        "next push)"
    assert "sent already: it stays on the server" in by_file.stderr, by_file.stderr
    _ok(run("remove-photo", second[:12], "--violation", violation))  # by digest, as printed
    assert _status(visit)["outbox"] == sent + 2
    assert "; 0 photos cited" in _ok(run("show", visit["record"]))  # offline, before a push
    pushed = run("push")
    assert pushed.exit_code == 0 and "2 applied" in pushed.output, pushed.output
    assert "; 0 photos cited" in _ok(run("show", visit["record"]))  # before a pull too
    held = server_copy(client, visit["supervisor"], "violation", violation)
    assert held["evidence"] == [] and held["missing_evidence"] == []
    _ok(run("pull"))
    assert "; 0 photos cited" in _ok(run("show", visit["record"]))


def test_a_photo_removed_before_it_was_sent_is_not_uploaded_until_cited_again(
        visit, client):
    run = visit["run"]
    photo = make_photo(visit["camera"], 3)
    violation = _violation(visit, str(photo))
    removed = run("remove-photo", str(photo), "--violation", violation)  # all still offline
    digest = _ok(removed).split()[0]
    assert "its upload is cancelled" in removed.stderr and \
        f"link-photo {digest[:12]}" in removed.stderr, removed.stderr
    report = _status(visit)
    assert report["evidence"]["pending"] == 0
    assert [f["sha256"] for f in report["cancelled_files"]] == [digest]
    assert "1 upload cancelled" in _ok(run("status"))
    assert "cited by nothing" not in _ok(run("show", visit["record"]))  # the inspector's choice
    pushed = run("push")
    assert pushed.exit_code == 0 and "evidence: none" in pushed.output, pushed.output
    held = server_copy(client, visit["supervisor"], "violation", violation)
    assert held["evidence"] == [] and held["missing_evidence"] == []
    assert client.get(f"/api/v1/evidence/{digest}",
                      headers=visit["supervisor"]).status_code == 404  # nothing sent
    _ok(run("link-photo", digest[:12], "--violation", violation))  # cited again: owed again
    assert _status(visit)["evidence"]["pending"] == 1
    again = run("push")
    assert again.exit_code == 0 and "1 uploaded" in again.output, again.output
    held = server_copy(client, visit["supervisor"], "violation", violation)
    assert held["evidence"] == [digest] and held["missing_evidence"] == []


def test_a_photo_removed_from_one_violation_is_still_sent_for_another(visit, client):
    run = visit["run"]
    digest = _ok(run("add-photo", str(make_photo(visit["camera"], 4)))).split()[0]
    kept, mistaken = _violation(visit, digest[:12]), _violation(visit, digest[:12])
    removed = run("remove-photo", digest[:12], "--violation", mistaken)
    assert f"still sent: violation {kept} cites it" in removed.stderr, removed.stderr
    assert _status(visit)["evidence"]["pending"] == 1
    _ok(run("push"))
    assert server_copy(client, visit["supervisor"], "violation", kept)["evidence"] == [digest]
    assert server_copy(client, visit["supervisor"], "violation", mistaken)["evidence"] == []


def test_a_link_removed_before_it_was_sent_goes_after_it_and_the_server_ends_without_it(
        visit, client):
    run = visit["run"]
    violation = _violation(visit)
    _ok(run("push"))
    digest = _ok(run("add-photo", str(make_photo(visit["camera"], 5)), "--violation",
                     violation)).split()[0]
    _ok(run("remove-photo", digest[:12], "--violation", violation))  # the link still queued
    pushed = run("push")
    assert pushed.exit_code == 0 and "2 applied" in pushed.output, pushed.output
    assert server_copy(client, visit["supervisor"], "violation", violation)["evidence"] == []


def test_removing_a_photo_the_violation_does_not_cite_is_refused_and_queues_nothing(visit):
    run = visit["run"]
    cited = str(make_photo(visit["camera"], 6))
    violation = _violation(visit, cited)
    other = _ok(run("add-photo", str(make_photo(visit["camera"], 7)))).split()[0]
    before = _status(visit)
    refused = {
        "a photo it does not cite": ("remove-photo", other[:12], "--violation", violation),
        "a violation not held": ("remove-photo", cited, "--violation",
                                 "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f80"),
        "a photo never captured": ("remove-photo", "abcdef12", "--violation", violation),
    }
    for case, args in refused.items():
        result = run(*args)
        assert result.exit_code == 2, (case, result.output)
        assert "Nothing was recorded." in result.output, (case, result.output)
    assert f"does not cite {other[:12]}" in run(*refused["a photo it does not cite"]).output
    assert _status(visit) == before
    _ok(run("remove-photo", cited, "--violation", violation))
    again = run("remove-photo", cited, "--violation", violation)  # removed already
    assert again.exit_code == 2 and "does not cite" in again.output, again.output
