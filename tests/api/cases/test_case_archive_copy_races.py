"""Builders of an archived copy that race or die: one copy is frozen, its export is audited
once in the freezing transaction, and no stored copy is left that nothing refers to."""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.api.cases.archived_copies import audits, run_jobs
from tests.api.cases.case_files import ok


class Died(BaseException):
    """The runner's process ends here (nothing after this line of it runs)."""


def _stored_files(app) -> set[str]:
    """Every object the (local-disk) evidence store holds, originals and case-file copies
    alike, outside its staging and derived areas."""
    root = Path(app.config["EVIDENCE_STORE"].removeprefix("file://"))
    skip = (".staging", ".derived", ".incoming-", ".probe-")
    return {path.name for path in root.rglob("*") if path.is_file()
            and not any(part.startswith(skip) for part in path.relative_to(root).parts)}


def _originals(app) -> set[str]:
    from server.evidence.models import Evidence
    from server.extensions import db

    with app.app_context():
        return set(db.session.scalars(db.select(Evidence.sha256)))


def _released(app) -> list:
    """The `evidence.export_original` audit entries, in chain order."""
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "evidence.export_original").order_by(AuditEntry.seq)).all()


def _seq_of_freeze(app, case_id: str) -> int:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(AuditEntry.seq).where(
            AuditEntry.action == "case.archive_copy", AuditEntry.entity_id == case_id))


def _export_actor(app, export_id) -> str:
    from server.cases.models import CaseExport
    from server.extensions import db

    with app.app_context():
        return db.session.get(CaseExport, uuid.UUID(str(export_id))).actor["username"]


def test_two_builders_racing_on_their_own_sessions_freeze_one_copy_audited_with_its_freeze(
        app, client, party, login, exporting, archived, monkeypatch):
    from server.cases import archived as copies
    from server.cases import exports
    from server.extensions import db

    with app.app_context():
        queued = db.session.scalar(db.select(copies.CaseExport.id).where(
            copies.CaseExport.case_id == uuid.UUID(archived["id"])))
    other = ok(client.post(f"/api/v1/cases/{archived['id']}/exports", headers=login("legal")),
               202).get_json()["id"]
    ids = [queued, uuid.UUID(other)]
    # Both build and store their own file, then freeze at the same moment; the winner goes
    # on only once the loser has finished, so anything the winner writes after its freeze
    # lands after the loser's entries in the chain.
    both_built, loser_finished, freeze = threading.Barrier(2, timeout=60), threading.Event(), \
        copies._freeze
    winners: list[uuid.UUID] = []

    def freeze_together(actor, row, case, sha256, *rest):
        both_built.wait()
        held = freeze(actor, row, case, sha256, *rest)
        if held == sha256:
            winners.append(row.id)
            assert loser_finished.wait(60)
        return held

    monkeypatch.setattr(copies, "_freeze", freeze_together)
    results: dict[uuid.UUID, str] = {}

    def run(export_id: uuid.UUID) -> None:
        with app.app_context():
            try:
                results[export_id] = exports.run_export(export_id)
            finally:
                db.session.remove()
                loser_finished.set()

    threads = [threading.Thread(target=run, args=(export_id,)) for export_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(results.values()) == ["done", "done"] and len(winners) == 1

    [frozen] = audits(app, archived["id"], "case.archive_copy")
    assert frozen["export_id"] == str(winners[0])
    for export_id in ids:
        done = ok(client.get(f"/api/v1/exports/{export_id}", headers=party["legal"])).get_json()
        data = ok(client.get(done["download_url"], headers=party["legal"])).data
        assert hashlib.sha256(data).hexdigest() == done["archive_sha256"] == frozen["sha256"]
    # the loser's copy is gone: the store holds the originals and the frozen copy only
    assert _stored_files(app) == _originals(app) | {frozen["sha256"]}
    released = _released(app)
    photos = sorted(archived["photos"])
    for export_id in ids:  # each export's requester had its originals audited once
        mine = [e for e in released if e.actor_name == _export_actor(app, export_id)]
        assert sorted(e.entity_id for e in mine) == photos
    # the winner's, in the very transaction that froze the copy (next to it in the chain)
    winner = _export_actor(app, winners[0])
    seqs = [e.seq for e in released if e.actor_name == winner]
    assert seqs == list(range(_seq_of_freeze(app, archived["id"]) + 1,
                              _seq_of_freeze(app, archived["id"]) + 1 + len(photos)))


def test_a_builder_that_dies_right_after_freezing_leaves_its_export_audited_once(
        app, client, party, exporting, archived, frozen, monkeypatch):
    from server.cases import archived as copies
    from server.cases import exports
    from server.extensions import db

    with app.app_context():
        queued = db.session.scalar(db.select(copies.CaseExport.id).where(
            copies.CaseExport.case_id == uuid.UUID(archived["id"])))
    freeze = copies._freeze

    def freeze_then_die(*args):
        freeze(*args)
        raise Died

    monkeypatch.setattr(copies, "_freeze", freeze_then_die)
    with app.app_context(), pytest.raises(Died):
        exports.run_export(queued)
    monkeypatch.setattr(copies, "_freeze", freeze)
    photos = sorted(archived["photos"])
    # the copy is frozen: the originals its export released are on the record already
    [copy] = audits(app, archived["id"], "case.archive_copy")
    assert sorted(e.entity_id for e in _released(app)) == photos

    frozen.on("2021-06-04")  # the dead runner's heartbeat is stale: the job takes over
    assert run_jobs(app)["done"] == 1
    done = ok(client.get(f"/api/v1/exports/{queued}", headers=party["legal"])).get_json()
    assert done["archive_sha256"] == copy["sha256"]
    assert sorted(e.entity_id for e in _released(app)) == photos  # not a second time
    assert audits(app, archived["id"], "case.archive_copy") == [copy]


def test_a_copy_stored_by_a_builder_that_died_before_freezing_is_swept_after_the_grace(
        app, client, party, exporting, archived, frozen, monkeypatch):
    from server.cases import archive_sweep, exports
    from server.cases import archived as copies
    from server.extensions import db
    from server.jobs import JOBS_BY_ID

    with app.app_context():
        queued = db.session.scalar(db.select(copies.CaseExport.id).where(
            copies.CaseExport.case_id == uuid.UUID(archived["id"])))
    stored: list[str] = []

    def die_before_freezing(actor, row, case, sha256, *rest):
        stored.append(sha256)
        raise Died

    monkeypatch.setattr(copies, "_freeze", die_before_freezing)
    with app.app_context(), pytest.raises(Died):
        exports.run_export(queued)
    monkeypatch.undo()
    [orphan] = stored
    originals = _originals(app)
    assert _stored_files(app) == originals | {orphan}

    frozen.on("2021-06-04")  # taken over: a new build is stored and frozen
    assert run_jobs(app)["done"] == 1
    [copy] = audits(app, archived["id"], "case.archive_copy")
    assert copy["sha256"] != orphan
    assert _stored_files(app) == originals | {orphan, copy["sha256"]}

    spec = JOBS_BY_ID["cases.sweep_unfrozen_copies"]
    assert spec.target == "server.cases.archive_sweep.sweep_unfrozen_copies"
    real_now = datetime.now(UTC)
    with app.app_context():  # within the grace a builder may still be about to freeze it
        assert archive_sweep.sweep_unfrozen_copies(real_now)["deleted"] == 0
    assert orphan in _stored_files(app)
    grace = timedelta(hours=app.config["ARCHIVE_COPY_GRACE_HOURS"])
    with app.app_context():
        swept = archive_sweep.sweep_unfrozen_copies(real_now + grace + timedelta(minutes=1))
        again = archive_sweep.sweep_unfrozen_copies(real_now + grace + timedelta(minutes=1))
    assert (swept["deleted"], swept["kept_frozen"]) == (1, 1)
    assert again["deleted"] == 0
    # the frozen copy and every evidence original stay; only the orphan went
    assert _stored_files(app) == originals | {copy["sha256"]}
    [entry] = audits(app, "*", "case.sweep_unfrozen_copies")
    assert entry["deleted"] == [orphan]
    with app.app_context():
        from server.evidence import settings

        for sha256 in originals:
            with settings.current_store().open(sha256) as original:
                assert hashlib.sha256(original.read()).hexdigest() == sha256


def test_a_builder_stalled_past_the_grace_before_freezing_still_leaves_its_copy_stored(
        app, client, party, exporting, archived, monkeypatch):
    # The sweep found the copy older than the grace and named by no case while its builder
    # was stalled (a paused VM, a hung storage call), and deleted it; the builder then froze
    # it: the case named a copy the store no longer held, and every export failed.
    from server.cases import archive_sweep, exports
    from server.cases import archived as copies
    from server.extensions import db

    with app.app_context():
        queued = db.session.scalar(db.select(copies.CaseExport.id).where(
            copies.CaseExport.case_id == uuid.UUID(archived["id"])))
    freeze, stall = copies._freeze, timedelta(hours=app.config["ARCHIVE_COPY_GRACE_HOURS"] + 1)
    later = datetime.now(UTC) + stall
    monkeypatch.setattr(copies, "_elapsed", lambda started: stall,  # the stall, as measured
                        raising=False)

    def swept_meanwhile(*args):
        assert archive_sweep.sweep_unfrozen_copies(later)["deleted"] == 1
        return freeze(*args)

    monkeypatch.setattr(copies, "_freeze", swept_meanwhile)
    with app.app_context():
        exports.run_export(queued)
    monkeypatch.undo()
    [copy] = audits(app, archived["id"], "case.archive_copy")
    assert copy["sha256"] in _stored_files(app)
    done = ok(client.get(f"/api/v1/exports/{queued}", headers=party["legal"])).get_json()
    assert done["status"] == "done" and done["archive_sha256"] == copy["sha256"]
    with app.app_context():  # stored whole; and the sweep leaves it, now that a case names it
        from server.evidence import settings

        with settings.current_store().open_copy(copy["sha256"]) as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == copy["sha256"]
        assert archive_sweep.sweep_unfrozen_copies(later)["deleted"] == 0


@pytest.mark.parametrize("stalled_hours, stores", [(0, 1), (13, 2)])
def test_a_builder_stalled_past_half_the_grace_stores_its_copy_again_before_freezing(
        app, exporting, archived, monkeypatch, stalled_hours, stores):
    # stored again, the copy's time starts anew: a sweep running while it freezes leaves it
    from server.cases import archived as copies
    from server.cases import exports
    from server.evidence import settings
    from server.extensions import db

    with app.app_context():
        queued = db.session.scalar(db.select(copies.CaseExport.id).where(
            copies.CaseExport.case_id == uuid.UUID(archived["id"])))
    stored_before_freeze: list[int] = []
    freeze, calls = copies._freeze, []
    with app.app_context():
        kind = type(settings.current_store())
    put_copy = kind.put_copy

    def counted(store, stream):
        calls.append("put")
        return put_copy(store, stream)

    def noted(*args):
        stored_before_freeze.append(len(calls))
        return freeze(*args)

    monkeypatch.setattr(copies, "_elapsed", lambda started: timedelta(hours=stalled_hours),
                        raising=False)
    monkeypatch.setattr(copies, "_freeze", noted)
    monkeypatch.setattr(kind, "put_copy", counted)
    with app.app_context():
        exports.run_export(queued)
    assert stored_before_freeze == [stores]


def test_the_sweep_asks_again_right_before_deleting_a_copy_frozen_since_it_read_the_names(
        app, client, party, exporting, archived, monkeypatch):
    from server.cases import archive_sweep, exports
    from server.cases import archived as copies
    from server.extensions import db

    with app.app_context():
        queued = db.session.scalar(db.select(copies.CaseExport.id).where(
            copies.CaseExport.case_id == uuid.UUID(archived["id"])))
        exports.run_export(queued)
    [copy] = audits(app, archived["id"], "case.archive_copy")
    real_scalars = db.session.scalars

    def names_read_before_the_freeze(statement, *args, **kwargs):  # the chunk's one query
        if "archive_sha256" in str(statement):
            return iter(())
        return real_scalars(statement, *args, **kwargs)

    later = datetime.now(UTC) + timedelta(hours=app.config["ARCHIVE_COPY_GRACE_HOURS"] + 1)
    with app.app_context():
        monkeypatch.setattr(db.session, "scalars", names_read_before_the_freeze)
        swept = archive_sweep.sweep_unfrozen_copies(later)
    assert (swept["deleted"], swept["kept_frozen"]) == (0, 1)
    assert copy["sha256"] in _stored_files(app)
