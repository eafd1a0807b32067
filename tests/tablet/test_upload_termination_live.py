"""A photo removed offline while its upload was half sent: the tablet keeps the upload's URL and
ends the upload on the real server at its next push (tus termination: DELETE with
Tus-Resumable), so the part sent does not wait there for its expiry; without a connection it
keeps it for the push after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from offline_sync import Tablet
from offline_sync.evidence import EvidenceUploader

from .conftest import TEST_CHUNK, make_photo

OFFICERS = ["6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f01"]


class Cut(Exception):
    """The tablet lost its connection (or was switched off) mid-upload."""


def _half_sent(tablet: Tablet, camera) -> tuple[str, str]:
    """A violation citing a photo whose upload stopped after two chunks: (violation, sha)."""
    record = tablet.new_inspection("e-1", OFFICERS)
    violation = tablet.add_violation(record, "AIR_VOC", date.today().isoformat(),
                                     location=None)
    item = tablet.add_photo(make_photo(camera, 1, size=256), violation)

    def cut_after_two_chunks(offset: int) -> None:
        if offset >= 2 * TEST_CHUNK:
            raise Cut

    with pytest.raises(Cut):
        EvidenceUploader(tablet.store, tablet.server, TEST_CHUNK).upload(
            item, cut_after_two_chunks)
    return violation, item.sha256


def _on_server(live) -> tuple[int, list[str]]:
    """(uploads the server holds, upload ids with bytes staged)."""
    from server.evidence import settings
    from server.evidence.models import Upload
    from server.extensions import db

    with live.app.app_context():
        held = db.session.scalar(select(func.count()).select_from(Upload))
        return held, [upload_id for upload_id, _ in settings.current_store().staged()]


def test_a_half_sent_photo_removed_offline_is_ended_on_the_server_at_the_next_push(
        live, tablet_for, tmp_path):
    tablet = tablet_for(live)
    violation, sha256 = _half_sent(tablet, tmp_path / "camera")
    assert _on_server(live)[0] == 1 and len(_on_server(live)[1]) == 1
    assert tablet.remove_photo(violation, sha256).state == "cancelled"
    assert _on_server(live)[0] == 1  # removed offline: nothing sent yet
    assert len(tablet.store.abandoned_uploads()) == 1
    assert tablet.upload_evidence() == {"uploaded": 0, "refused": 0}
    assert _on_server(live) == (0, [])  # the upload and its staged bytes are gone
    assert tablet.store.abandoned_uploads() == []


def test_a_termination_waits_while_the_server_cannot_be_reached(live, tablet_for, tmp_path):
    tablet = tablet_for(live)
    violation, sha256 = _half_sent(tablet, tmp_path / "camera")
    tablet.remove_photo(violation, sha256)
    live.stop()
    try:
        assert tablet.upload_evidence() == {"uploaded": 0, "refused": 0}
        assert len(tablet.store.abandoned_uploads()) == 1  # kept for the next push
    finally:
        live.restart()
    assert _on_server(live)[0] == 1
    tablet.upload_evidence()
    assert _on_server(live) == (0, []) and tablet.store.abandoned_uploads() == []


def test_an_upload_the_server_purged_meanwhile_is_forgotten(live, tablet_for, tmp_path):
    from server.clock import utcnow
    from server.evidence.uploads import purge_expired_uploads

    tablet = tablet_for(live)
    violation, sha256 = _half_sent(tablet, tmp_path / "camera")
    tablet.remove_photo(violation, sha256)
    assert len(tablet.store.abandoned_uploads()) == 1
    with live.app.app_context():
        assert purge_expired_uploads(utcnow() + timedelta(days=30)).uploads == 1
    tablet.upload_evidence()  # the server answers 404: nothing left to end
    assert tablet.store.abandoned_uploads() == []


def test_a_photo_cited_again_after_its_upload_was_ended_is_sent_whole(
        live, tablet_for, tmp_path):
    tablet = tablet_for(live)
    violation, sha256 = _half_sent(tablet, tmp_path / "camera")
    tablet.remove_photo(violation, sha256)
    tablet.link_photo(violation, sha256)  # cited again before the push: owed again
    assert len(tablet.store.abandoned_uploads()) == 1  # ended first, then sent afresh
    assert tablet.upload_evidence() == {"uploaded": 1, "refused": 0}
    assert tablet.store.abandoned_uploads() == []
    assert tablet.server.evidence_exists(sha256)
