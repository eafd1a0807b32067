"""Held sync edits in the console: what the district's tablets sent before the record it
needs, by whom (their name), from which device, what it waits for in words, since when and
when it expires, oldest first; the API's list and district scope."""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from server.extensions import db
from server.sync.models import SyncMutation
from tests.api.sync.conftest import OTHER, OWN, Tablet, mutation
from tests.api.sync.conftest import world as sync_world  # noqa: F401 - tablets and records

RECEIVED = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


def _page(session, query: str = "") -> str:
    response = session.get(f"/console/held{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return html.unescape(response.get_data(as_text=True))


def _row(page: str, mutation_id: str) -> str:
    """The table row of one held mutation."""
    start = page.index(f'id="held-{mutation_id}"')
    return page[start:page.index("</tr>", start)]


def _received(app, held: dict, at: datetime) -> None:
    """Set when the server received a held mutation."""
    with app.app_context():
        db.session.execute(update(SyncMutation).where(
            SyncMutation.mutation_id == uuid.UUID(held["mutation_id"])).values(received_at=at))
        db.session.commit()


@pytest.fixture
def wang(client, make_user) -> Tablet:
    """An inspector of the district whose name is not their username, on a tablet."""
    user, password = make_user("inspector", OWN, display_name="王晓明")
    return Tablet(client, user, password, "tablet-wang")


def _hold(tablet: Tablet, *mutations: dict) -> None:
    assert [r["status"] for r in tablet.push(*mutations)] == ["pending"] * len(mutations)


def test_a_held_edit_is_shown_with_its_senders_name_device_and_what_it_waits_for(
        app, console, wang):
    app.config["SYNC_HELD_EXPIRY_DAYS"] = 10
    record = str(uuid.uuid4())
    held = mutation("inspection", "update", record, {"findings": "复查"}, base=1)
    _hold(wang, held)
    _received(app, held, RECEIVED)
    row = _row(_page(console("supervisor", OWN)), held["mutation_id"])
    assert "王晓明" in row and wang.user.username not in row
    assert f'href="/console/accounts/{wang.user.id}"' in row
    assert "<code>tablet-wang</code>" in row
    assert f"现场检查记录 <code>{record[:8]}</code> · 修改" in row
    assert "等待该检查记录的新建同步到达" in row and "inspection:" not in row
    held_since, expires = row.split("</td><td>")[-2:]
    assert "2026年6月1日 11:00:00" in held_since and "2026年6月11日 11:00:00" in expires


def test_a_child_record_waits_for_the_record_it_belongs_to_and_the_oldest_comes_first(
        app, console, wang):
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    later = mutation("inspection", "update", str(uuid.uuid4()), {"findings": "后到"}, base=1)
    child = mutation("violation", "create", violation, {
        "inspection_id": inspection, "code": "AIR_VOC",
        "occurred_on": "2026-05-30", "description": "喷漆未收集"})
    _hold(wang, later, child)
    _received(app, child, RECEIVED)  # received first, so listed first
    page = _page(console("supervisor", OWN))
    assert page.index(f'id="held-{child["mutation_id"]}"') < page.index(
        f'id="held-{later["mutation_id"]}"')
    row = _row(page, child["mutation_id"])
    assert f"违法行为 <code>{violation[:8]}</code> · 新建" in row
    assert f"等待所属检查记录（{inspection[:8]}）的新建同步到达" in row


def test_the_page_lists_the_districts_held_edits_only_and_city_wide_staff_all(
        console, sync_world, wang):  # noqa: F811
    ours = mutation("inspection", "update", str(uuid.uuid4()), {"findings": "浦东"}, base=1)
    _hold(wang, ours)
    theirs = mutation("inspection", "update", str(uuid.uuid4()), {"findings": "黄浦"}, base=1)
    _hold(sync_world["other"], theirs)
    own = _page(console("supervisor", OWN))
    assert f'id="held-{ours["mutation_id"]}"' in own
    assert f'id="held-{theirs["mutation_id"]}"' not in own
    elsewhere = _page(console("supervisor", OTHER))
    assert f'id="held-{ours["mutation_id"]}"' not in elsewhere
    city = _page(console("admin", "310000"))
    assert f'id="held-{ours["mutation_id"]}"' in city and "浦东新区" in _row(
        city, ours["mutation_id"])
    assert f'id="held-{theirs["mutation_id"]}"' in city


def test_without_held_edits_the_page_says_so_and_the_navigation_leads_to_it(app, console):
    app.config["SYNC_HELD_EXPIRY_DAYS"] = 7
    session = console("supervisor", OWN)
    page = _page(session)
    assert "没有暂存的修改" in page and 'id="held-' not in page
    assert "暂存满 7 天的修改即到期" in page
    assert '<a href="/console/held" aria-current="page">暂存修改</a>' in page.split("</nav>")[0]
    conflicts = session.get("/console/conflicts").get_data(as_text=True)
    assert '<a href="/console/held">暂存修改</a>' in conflicts.split("</nav>")[0]
    legal = console("legal", OWN).get("/console/cases").get_data(as_text=True)
    assert 'href="/console/held"' not in legal
