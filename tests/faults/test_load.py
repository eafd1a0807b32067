"""50 tablets (the offline_sync engine) syncing at once against gunicorn with 4 workers on
PostgreSQL for a bounded time: every record they made is on the server once, with the last
findings its tablet wrote. (Latencies are measured by `make bench`, not here.)"""

from __future__ import annotations

from bench import loadgen

TABLETS = 50
SECONDS = 15
BATCH = 100


def test_fifty_tablets_syncing_at_once_lose_and_duplicate_nothing(app, gunicorn, tmp_path):
    with app.app_context():
        accounts = loadgen.prepare(TABLETS, per_district=2)
    reports, samples = loadgen.run_fleet(gunicorn.url, accounts, tmp_path / "fleet", SECONDS,
                                         BATCH)
    assert [r.error for r in reports if r.error] == []
    assert sum(r.outbox_left for r in reports) == 0
    statuses = {status for r in reports for status in r.statuses}
    assert statuses <= {"applied", "duplicate"}, statuses
    with app.app_context():
        counts = loadgen.verify(reports)
    assert counts["intended"] >= TABLETS  # every tablet got at least one batch through
    assert counts | {"lost": 0, "duplicated": 0, "unexpected": 0, "wrong": 0} == counts, counts
    assert counts["stored"] == counts["intended"]
    assert len(samples.push) >= TABLETS and len(samples.pull) >= TABLETS
