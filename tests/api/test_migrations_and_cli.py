"""The Alembic migrations build exactly the models' schema; seeding and district import."""

from __future__ import annotations

import json
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from server.extensions import db
from server.registry.models import District, Enterprise


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, db.metadata) == []


def test_demo_seed_fills_an_empty_database_once_and_prints_passwords_once(app, runner):
    with app.app_context():
        db.session.execute(District.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["demo", "seed", "--if-empty", "--per-district", "2"])
    assert result.exit_code == 0, result.output
    assert "seeded 16 districts and 32 enterprises" in result.output
    for username in ("inspector1", "supervisor", "legal", "admin"):
        assert username in result.output
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0 and "skipped" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 32
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_seeding_a_database_that_has_data_is_refused_without_if_empty(app, runner):
    first = runner.invoke(args=["demo", "seed", "--per-district", "1"]).output
    assert "admin" in first
    refused = runner.invoke(args=["demo", "seed"])
    assert refused.exit_code == 1 and "not empty" in refused.output


def test_demo_officers_are_named_by_their_names_alone(app, runner):
    from server.auth.models import User

    assert runner.invoke(args=["demo", "seed", "--per-district", "1"]).exit_code == 0
    with app.app_context():
        names = dict(db.session.execute(select(User.username, User.display_name)).all())
    # pages and documents add the role or certificate themselves ("赵磊 (法制审核)" was shown
    # as "赵磊 (法制审核) (法制审核)" among hearing chairs)
    assert names["legal"] == "赵磊" and names["inspector1"] == "张敏"
    assert not [name for name in names.values() if "(" in name or "（" in name]


def test_official_boundaries_can_replace_the_shipped_ones(app, runner, tmp_path, boundary_rows):
    features = [{"type": "Feature", "geometry": row["geometry"],
                 "properties": {"adcode": row["code"], "name": row["name"],
                                "name_en": row["name_en"]}} for row in boundary_rows[:2]]
    path = tmp_path / "official.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = runner.invoke(args=["districts", "import", str(path), "--source",
                                 "上海市规划和自然资源局 2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(District, boundary_rows[0]["code"]).source.startswith("上海市")


def test_a_broken_boundary_file_is_refused_with_reasons(runner, tmp_path):
    path = tmp_path / "bad.geojson"
    bowtie = {"type": "Polygon", "coordinates": [[[121, 31], [122, 32], [122, 31], [121, 32],
                                                  [121, 31]]]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": bowtie, "properties": {"adcode": "310101",
                                                                "name": "黄浦区"}},
        {"type": "Feature", "geometry": bowtie, "properties": {"adcode": "110101",
                                                                "name": "东城区"}}]}))
    result = runner.invoke(args=["districts", "import", str(path), "--source", "x"])
    assert result.exit_code == 1
    assert "not valid" in result.output and "not a Shanghai district code" in result.output


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="column compression is PostgreSQL's")
def test_the_large_json_every_push_writes_is_compressed_with_lz4_on_postgresql(app):
    with app.app_context():
        if not db.session.scalar(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                      "WHERE name = 'default_toast_compression'")):
            pytest.skip("this PostgreSQL is built without lz4")
        rows = db.session.execute(text(
            "SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND a.attname IN ('result', 'data') "
            "AND c.relname IN ('violation_decisions', 'sync_changes')")).all()
    assert {(table, column): method for table, column, method in rows} == {
        ("violation_decisions", "result"): "l", ("sync_changes", "data"): "l"}


def test_records_made_before_the_citations_index_are_found_through_it_after_the_upgrade(
        app, client, make_user, login, enterprise_body):
    import secrets
    import uuid

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from tests.api.citing import citing_ids

    first, password = make_user("inspector", "310115")
    second, _ = make_user("inspector", "310115")
    headers = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": first.username, "password": password, "device_id": "tablet-a"},
    ).get_json()["access_token"]}
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body(),
                             headers=login("supervisor", "310115")).get_json()
    image, photo, both = (secrets.token_hex(32) for _ in range(3))
    record, violation = str(uuid.uuid4()), str(uuid.uuid4())
    assert client.post("/api/v1/inspections", headers=headers, json={
        "id": record, "enterprise_id": enterprise["id"],
        "inspector_ids": [str(first.id), str(second.id)],
        "started_at": "2026-06-01T01:30:00+00:00", "signatures": [
            {"signer": "王经理", "role": "party", "evidence_sha256": image},
            {"signer": "李四", "role": "witness", "evidence_sha256": both}]}).status_code == 201
    assert client.post("/api/v1/violations", headers=headers, json={
        "id": violation, "inspection_id": record, "code": "AIR_VOC",
        "occurred_on": "2026-06-01", "evidence": [photo, both]}).status_code == 201
    with app.app_context():
        db.session.remove()
        downgrade(revision="0021")  # the records stay; the index of what they cite goes
        try:
            assert "evidence_citations" not in inspect(db.engine).get_table_names()
        finally:
            upgrade(revision="heads")
        rows = db.session.execute(text(
            "SELECT sha256, entity, district FROM evidence_citations")).all()
        assert sorted(tuple(row) for row in rows) == sorted([
            (image, "inspection", "310115"), (both, "inspection", "310115"),
            (photo, "violation", "310115"), (both, "violation", "310115")])
        db.session.rollback()
    assert citing_ids(app, both) == ({violation}, {record})


def test_the_demo_seed_leaves_a_day_of_work_made_through_the_api(app, runner):
    from server.cases.models import Case, CaseViolation
    from server.fieldwork.models import Inspection, Violation
    from server.planning.models import Task
    from server.sync.models import SyncConflict

    result = runner.invoke(args=["demo", "seed", "--per-district", "4"])
    assert result.exit_code == 0, result.output
    assert "the rules: may_waive, fine" in result.output
    assert "1 sync conflict to resolve" in result.output
    with app.app_context():
        tasks = db.session.scalars(select(Task)).all()
        assert sorted(t.kind for t in tasks).count("complaint") == 1 and len(tasks) == 4
        record = db.session.scalars(select(Inspection)).one()
        assert len(record.officers) == 2
        assert {t.id: t.status for t in tasks}[record.task_id] == "in_progress"
        violations = db.session.scalars(select(Violation)).all()
        assert {v.inspection_id for v in violations} == {record.id} and len(violations) == 2
        case = db.session.scalars(select(Case)).one()
        link = db.session.scalars(select(CaseViolation)).one()  # the fined one alone
        assert case.district == "310115" and link.case_id == case.id
        assert link.outcome == "fine" and link.amount_fen > 0
        conflict = db.session.scalars(select(SyncConflict)).one()  # two tablets, one field
        assert conflict.entity_id == str(record.id) and conflict.kind == "hard"
        assert conflict.status == "open"
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_the_demo_seed_can_leave_the_work_out(app, runner):
    from server.fieldwork.models import Inspection

    result = runner.invoke(args=["demo", "seed", "--per-district", "1", "--no-workload"])
    assert result.exit_code == 0 and "demo work" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_the_demo_work_visits_a_drawn_enterprise_beyond_the_first_page_of_the_register(
        app, runner, monkeypatch):
    from server.planning import draw as algorithm

    real = algorithm.rank_key

    def last_by_name_first(seed: str, *parts: str) -> str:
        """The draw ranks the district's last enterprise by name (past a 20-row page) first."""
        last = db.session.scalars(select(Enterprise.id).where(Enterprise.district == "310115")
                                  .order_by(Enterprise.name.desc(), Enterprise.id.desc())).first()
        first = parts[0] == "unit" and parts[1] == str(last)
        return ("0" if first else "f") + real(seed, *parts)

    monkeypatch.setattr(algorithm, "rank_key", last_by_name_first)
    result = runner.invoke(args=["demo", "seed", "--per-district", "25"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "the rules: may_waive, fine" in result.output


def test_the_demo_users_passwords_are_shown_when_the_demo_work_is_refused(
        app, runner, monkeypatch):
    from server.demo import workload

    monkeypatch.setattr(workload, "FINED", {"not_a_fact": True})
    result = runner.invoke(args=["demo", "seed", "--per-district", "1"])
    assert result.exit_code == 1
    assert "POST /violations: 422" in result.output
    for username in ("inspector1", "inspector2", "supervisor", "legal", "admin"):
        assert f"  {username}" in result.output


def test_a_demo_draw_that_selects_no_enterprise_on_site_stops_the_work_with_its_reason(
        app, runner, monkeypatch):
    from server.planning import service as planning

    monkeypatch.setattr(planning, "_population", lambda plan, on: iter(()))  # none to draw
    result = runner.invoke(args=["demo", "seed", "--per-district", "1"])
    assert result.exit_code == 1, (result.output, result.exception)
    assert "the draw sent no one on site" in result.output and "  admin" in result.output
