"""Removing a photo cited on a violation by mistake, from the command-line tablet, against the
real app on a loopback server: the unlink is queued offline, the tablet shows the violation
without it, the server's copy loses it, and a photo not sent yet that nothing else cites is
not sent for nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from .conftest import make_photo, ok, server_copy, signed_in_cli


def _violation(cli_record: dict[str, Any], *photos: str) -> str:
    """A violation on the record citing these photos (files or digests)."""
    return ok(cli_record["run"](
        "add-violation", cli_record["record"], "--code", "AIR_VOC", "--occurred-on",
        date.today().isoformat(), "--lat", "31.2", "--lon", "121.5",
        *(a for p in photos for a in ("--photo", p))))


def _status(cli_record: dict[str, Any]) -> dict[str, Any]:
    return json.loads(ok(cli_record["run"]("status", "--json")))


def test_a_photo_removed_after_it_was_sent_leaves_the_violation_on_the_server(
        cli_record, client):
    run = cli_record["run"]
    first = str(make_photo(cli_record["camera"], 1))
    violation = _violation(cli_record, first)
    second = ok(run("add-photo", str(make_photo(cli_record["camera"], 2)), "--violation",
                    violation)).split()[0]
    ok(run("push"))
    sent = _status(cli_record)["outbox"]
    by_file = run("remove-photo", first, "--violation", violation)
    digest = ok(by_file).split()[0]
    assert ok(by_file) == f"{digest} removed from violation {violation} (queued for the " \
        "next push)"
    assert "sent already: it stays on the server" in by_file.stderr, by_file.stderr
    ok(run("remove-photo", second[:12], "--violation", violation))  # by digest, as printed
    assert _status(cli_record)["outbox"] == sent + 2
    assert "; 0 photos cited" in ok(run("show", cli_record["record"]))  # offline, before a push
    pushed = run("push")
    assert pushed.exit_code == 0 and "2 applied" in pushed.output, pushed.output
    assert "; 0 photos cited" in ok(run("show", cli_record["record"]))  # before a pull too
    held = server_copy(client, cli_record["supervisor"], "violation", violation)
    assert held["evidence"] == [] and held["missing_evidence"] == []
    ok(run("pull"))
    assert "; 0 photos cited" in ok(run("show", cli_record["record"]))


def test_a_photo_removed_before_it_was_sent_is_not_uploaded_until_cited_again(
        cli_record, client):
    run = cli_record["run"]
    photo = make_photo(cli_record["camera"], 3)
    violation = _violation(cli_record, str(photo))
    removed = run("remove-photo", str(photo), "--violation", violation)  # all still offline
    digest = ok(removed).split()[0]
    assert "its upload is cancelled" in removed.stderr and \
        f"link-photo {digest[:12]}" in removed.stderr, removed.stderr
    report = _status(cli_record)
    assert report["evidence"]["pending"] == 0
    assert [f["sha256"] for f in report["cancelled_files"]] == [digest]
    assert "1 upload cancelled" in ok(run("status"))
    assert "cited by nothing" not in ok(run("show", cli_record["record"]))  # the inspector's choice
    pushed = run("push")
    assert pushed.exit_code == 0 and "evidence: none" in pushed.output, pushed.output
    held = server_copy(client, cli_record["supervisor"], "violation", violation)
    assert held["evidence"] == [] and held["missing_evidence"] == []
    assert client.get(f"/api/v1/evidence/{digest}", headers=cli_record["supervisor"]
                      ).status_code == 404  # nothing sent
    ok(run("link-photo", digest[:12], "--violation", violation))  # cited again: owed again
    assert _status(cli_record)["evidence"]["pending"] == 1
    again = run("push")
    assert again.exit_code == 0 and "1 uploaded" in again.output, again.output
    held = server_copy(client, cli_record["supervisor"], "violation", violation)
    assert held["evidence"] == [digest] and held["missing_evidence"] == []


def test_a_photo_removed_from_one_violation_is_still_sent_for_another(cli_record, client):
    run = cli_record["run"]
    digest = ok(run("add-photo", str(make_photo(cli_record["camera"], 4)))).split()[0]
    kept, mistaken = _violation(cli_record, digest[:12]), _violation(cli_record, digest[:12])
    removed = run("remove-photo", digest[:12], "--violation", mistaken)
    assert f"still sent: violation {kept} cites it" in removed.stderr, removed.stderr
    assert _status(cli_record)["evidence"]["pending"] == 1
    ok(run("push"))
    assert server_copy(client, cli_record["supervisor"], "violation", kept)["evidence"] == [digest]
    assert server_copy(client, cli_record["supervisor"], "violation", mistaken)["evidence"] == []


def test_a_link_removed_before_it_was_sent_goes_after_it_and_the_server_ends_without_it(
        cli_record, client):
    run = cli_record["run"]
    violation = _violation(cli_record)
    ok(run("push"))
    digest = ok(run("add-photo", str(make_photo(cli_record["camera"], 5)), "--violation",
                    violation)).split()[0]
    ok(run("remove-photo", digest[:12], "--violation", violation))  # the link still queued
    pushed = run("push")
    assert pushed.exit_code == 0 and "2 applied" in pushed.output, pushed.output
    assert server_copy(client, cli_record["supervisor"], "violation", violation)["evidence"] == []


def test_removing_a_photo_the_violation_does_not_cite_is_refused_and_queues_nothing(cli_record):
    run = cli_record["run"]
    cited = str(make_photo(cli_record["camera"], 6))
    violation = _violation(cli_record, cited)
    other = ok(run("add-photo", str(make_photo(cli_record["camera"], 7)))).split()[0]
    before = _status(cli_record)
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
    assert _status(cli_record) == before
    ok(run("remove-photo", cited, "--violation", violation))
    again = run("remove-photo", cited, "--violation", violation)  # removed already
    assert again.exit_code == 2 and "does not cite" in again.output, again.output


def test_a_photo_another_tablet_captured_is_removed_by_its_digest(
        cli_record, client, live, tmp_path):
    run = cli_record["run"]
    photo = make_photo(cli_record["camera"], 8)
    violation = _violation(cli_record, str(photo))
    digest = ok(run("remove-photo", str(photo), "--violation", violation)).split()[0]
    ok(run("link-photo", digest[:12], "--violation", violation))  # cited again after all
    ok(run("push"))
    user, password = cli_record["second"]
    other = signed_in_cli(tmp_path / "other", live.url, user, password, "second-tablet")
    ok(other("pull"))
    # show names the digest another tablet's photo is removed by
    assert f"; 1 photo cited ({digest[:12]})" in ok(other("show", cli_record["record"]))
    removed = other("remove-photo", digest[:12], "--violation", violation)
    assert removed.exit_code == 0, removed.output  # cited there, though not captured here
    assert ok(removed).split()[0] == digest
    ok(other("push"))
    assert server_copy(client, cli_record["supervisor"], "violation", violation)["evidence"] == []
