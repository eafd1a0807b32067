"""The same bytes captured as a photo and as a signature image, from the command-line tablet
against the real app: the server keeps one evidence row (one kind) per SHA-256, which is a
photo while the tablet has not sent it yet, so its place and time are checked as a photo's;
the record's signature names the image all the same; the inspector is told which kind holds."""

from __future__ import annotations

from datetime import date

import pytest

from offline_sync import Tablet

from .conftest import make_photo, ok, server_copy


def _kind_on_server(live, sha256: str) -> str | None:
    from server.evidence.models import Evidence
    from server.extensions import db

    with live.app.app_context():
        held = db.session.get(Evidence, sha256)
        return held.kind if held else None


def _violation(run, record: str) -> str:
    """A violation on the record citing nothing yet; its id."""
    return ok(run("add-violation", record, "--code", "AIR_VOC", "--occurred-on",
                  date.today().isoformat(), "--lat", "31.2", "--lon", "121.5"))


def test_a_signature_with_a_photos_bytes_is_the_records_signature_and_stays_a_photo(
        cli_record, live, client):
    run = cli_record["run"]
    image = str(make_photo(cli_record["camera"], 1))
    digest = ok(run("add-photo", image)).split()[0]
    signed = run("sign", cli_record["record"], "--role", "party", "--name", "王经理",
                 "--image", image)
    assert signed.exit_code == 0, signed.output
    assert "same bytes as a photo captured before" in signed.stderr, signed.stderr
    assert "the record's signature names it all the same" in signed.stderr
    assert f"party 王经理: signed (image {digest[:12]})" in ok(run("show", cli_record["record"]))
    assert "cited by nothing" not in ok(run("show", cli_record["record"]))
    pushed = run("push")
    assert pushed.exit_code == 0 and "1 uploaded" in pushed.output, pushed.output
    assert _kind_on_server(live, digest) == "photo"
    held = server_copy(client, cli_record["supervisor"], "inspection", cli_record["record"])
    assert [(s["role"], s["evidence_sha256"]) for s in held["signatures"]] == [
        ("party", digest)]


def test_a_photo_with_a_signatures_bytes_goes_as_a_photo_while_not_sent(cli_record, live,
                                                                       client):
    run = cli_record["run"]
    image = str(make_photo(cli_record["camera"], 2))
    ok(run("sign", cli_record["record"], "--role", "party", "--name", "王经理", "--image",
           image))
    violation = _violation(run, cli_record["record"])
    cited = run("add-photo", image, "--violation", violation)
    digest = ok(cited).split()[0]
    assert "note:" not in cited.stderr, cited.stderr  # a photo it is, to the server too
    tablet = Tablet(cli_record["home"])
    assert tablet.store.evidence_item(digest).kind == "photo"
    tablet.close()
    assert run("push").exit_code == 0
    assert _kind_on_server(live, digest) == "photo"
    checked = server_copy(client, cli_record["supervisor"], "violation", violation)
    assert "no_gps" in checked["evidence_checks"][0]["flags"], checked  # checked as a photo


@pytest.mark.parametrize("cited_by", ["add-photo", "add-violation"])
def test_a_photo_with_the_bytes_of_a_signature_sent_before_says_it_stays_a_signature(
        cli_record, live, cited_by):
    run = cli_record["run"]
    image = str(make_photo(cli_record["camera"], 3))
    ok(run("sign", cli_record["record"], "--role", "party", "--name", "王经理", "--image",
           image))
    assert run("push").exit_code == 0
    if cited_by == "add-photo":
        cited = run("add-photo", image, "--violation", _violation(run, cli_record["record"]))
    else:
        cited = run("add-violation", cli_record["record"], "--code", "AIR_VOC",
                    "--occurred-on", date.today().isoformat(), "--no-location", "--photo", image)
    assert cited.exit_code == 0, cited.output
    assert "same bytes as a signature captured before" in cited.stderr, cited.stderr
    assert "does not check its place and time as a photo's" in cited.stderr
    tablet = Tablet(cli_record["home"])
    [item] = tablet.store.evidence()
    tablet.close()
    assert (item.kind, _kind_on_server(live, item.sha256)) == ("signature", "signature")
