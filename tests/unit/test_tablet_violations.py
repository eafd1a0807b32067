"""A violation recorded offline is checked before it is queued as the server checks it: an act
dated after the record's visit day (its start, as a Shanghai date) is refused on the tablet."""

from __future__ import annotations

import pytest

from offline_sync import Tablet
from offline_sync.errors import Invalid

LATE_EVENING_UTC = "2026-06-01T23:30:00+00:00"  # 2 June 07:30 in Shanghai: the visit day


def _record(tmp_path) -> tuple[Tablet, str]:
    tablet = Tablet(tmp_path / "tablet")
    return tablet, tablet.new_inspection("e-1", ["u-1", "u-2"], started_at=LATE_EVENING_UTC)


def test_an_act_dated_after_the_visit_day_is_refused_and_nothing_is_queued(tmp_path):
    tablet, record = _record(tmp_path)
    before = tablet.store.queued()
    with pytest.raises(Invalid) as refused:
        tablet.add_violation(record, "AIR_VOC", "2026-06-03", location=None)
    said = str(refused.value)
    assert "occurred_on" in said and "on or before 2026-06-02, the record's visit day" in said
    assert tablet.store.queued() == before


def test_an_act_on_the_visit_day_in_shanghai_is_queued(tmp_path):
    tablet, record = _record(tmp_path)
    violation = tablet.add_violation(record, "AIR_VOC", "2026-06-02", location=None)
    assert tablet.store.queued()[-1].record_id == violation
