"""The officers a tablet can name: the active inspectors of its user's district, pulled with
their certificates (never their credentials), renewed, revoked and moved like any record."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from server.auth.models import User
from server.extensions import db
from tests.api.sync.conftest import OTHER, OWN, Tablet

FIELDS = {"id", "name", "certificate_no", "certificate_expires", "district"}


def _officers(tablet: Tablet) -> dict[str, dict]:
    return {key: change["data"] for (entity, key), change in tablet.store.items()
            if entity == "officer"}


def _change(app, user, **values) -> None:
    """Change a user as an administrator's tool would (the change log sees every commit)."""
    with app.app_context():
        row = db.session.get(User, user.id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def test_a_tablet_pulls_the_active_inspectors_of_its_district_with_certificates_only(
        world, make_user):
    first, second, other = world["users"]
    make_user("supervisor", OWN)  # not an officer: no certificate, not listed
    tablet = world["a"]
    tablet.pull()
    pulled = _officers(tablet)
    assert set(pulled) == {str(first.id), str(second.id)}
    assert pulled[str(second.id)] == {
        "id": str(second.id), "name": second.display_name,
        "certificate_no": second.certificate_no,
        "certificate_expires": second.certificate_expires.isoformat(), "district": OWN}
    world["other"].pull()
    assert set(_officers(world["other"])) == {str(other.id)}


def test_an_officer_row_holds_no_username_password_or_token(world):
    world["a"].pull()
    for data in _officers(world["a"]).values():
        assert set(data) == FIELDS
        text = repr(data)
        assert "password" not in text and "argon2" not in text and "username" not in text


def test_a_supervisor_pulls_the_officers_of_their_district(client, world):
    changes = client.get("/api/v1/sync/pull", headers=world["supervisor"]).get_json()["changes"]
    first, second, _ = world["users"]
    assert {c["id"] for c in changes if c["entity"] == "officer"} == {str(first.id),
                                                                      str(second.id)}


def test_a_renewed_certificate_arrives_as_an_upsert(app, world):
    _, second, _ = world["users"]
    tablet = world["a"]
    tablet.pull()
    renewed = date.today() + timedelta(days=900)
    _change(app, second, certificate_no="沪环执RENEWED", certificate_expires=renewed)
    changes = tablet.pull()
    assert [(c["entity"], c["op"]) for c in changes] == [("officer", "upsert")]
    assert _officers(tablet)[str(second.id)]["certificate_expires"] == renewed.isoformat()
    assert _officers(tablet)[str(second.id)]["certificate_no"] == "沪环执RENEWED"


def test_a_deactivated_inspector_is_revoked_and_not_sent_to_a_first_sync(app, client, world,
                                                                          make_user):
    _, second, _ = world["users"]
    tablet = world["a"]
    tablet.pull()
    with app.app_context():
        from server.auth import service

        service.disable_user(second.username)
    changes = tablet.pull()
    assert [(c["entity"], c["id"], c["op"]) for c in changes] == [
        ("officer", str(second.id), "revoke")]
    assert str(second.id) not in _officers(tablet)
    fresh = Tablet(client, *make_user("inspector", OWN), "tablet-fresh")
    assert not [c for c in fresh.pull() if c["id"] == str(second.id)]


def test_an_inspector_moved_to_another_district_is_revoked_there_and_upserted_here(app, world):
    _, second, _ = world["users"]
    world["a"].pull()
    world["other"].pull()
    _change(app, second, district=OTHER)
    assert [(c["id"], c["op"]) for c in world["a"].pull()] == [(str(second.id), "revoke")]
    assert [(c["id"], c["op"]) for c in world["other"].pull()] == [(str(second.id), "upsert")]
    assert _officers(world["other"])[str(second.id)]["district"] == OTHER


def test_a_user_who_never_was_an_officer_writes_nothing_to_the_log(app, world, make_user):
    from server.sync.models import SyncChange

    supervisor, _ = make_user("supervisor", OWN)
    _change(app, supervisor, display_name="新名字")
    with app.app_context():
        assert db.session.scalar(select(SyncChange.seq).where(
            SyncChange.entity == "officer", SyncChange.entity_id == str(supervisor.id))) is None


def test_officers_from_before_the_change_log_knew_them_are_logged_by_sync_rebuild(
        app, runner, world):
    from server.sync.models import SyncChange

    with app.app_context():
        db.session.execute(SyncChange.__table__.delete().where(SyncChange.entity == "officer"))
        db.session.commit()
    result = runner.invoke(args=["sync", "rebuild"])
    assert result.exit_code == 0 and "3 rows written" in result.output, result.output
    world["a"].pull()
    first, second, _ = world["users"]
    assert set(_officers(world["a"])) == {str(first.id), str(second.id)}
