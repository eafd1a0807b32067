"""The names of enterprises that left the tablet's scope (revoked by a pull, e.g. once a
cross-district task is submitted), kept while a task or record the tablet holds names them,
so that its listings still say which enterprise it was rather than an id."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from offline_sync.store import Store

KEPT = "enterprise_name"  # records entity of a name kept: {"name": …}, no version
GONE = "no longer in this tablet's scope"


NAMED = ("SELECT 1 FROM records AS naming WHERE naming.entity IN ('task', 'inspection') AND "
         "json_extract(naming.data, '$.enterprise_id') = {}")  # a task or record names it


def keep_name(db: sqlite3.Connection, enterprise_id: str) -> None:
    """Before an enterprise's row goes (in the pull's transaction `db`): its name, kept when
    a task or record the tablet holds names the enterprise."""
    row = db.execute("SELECT data FROM records WHERE entity = 'enterprise' AND id = ?",
                     (enterprise_id,)).fetchone()
    name = json.loads(row["data"]).get("name") if row else None
    named = db.execute(NAMED.format("?") + " LIMIT 1", (enterprise_id,)).fetchone()
    if name and named:
        db.execute("INSERT OR REPLACE INTO records (entity, id, version, data) VALUES "
                   "(?, ?, NULL, ?)", (KEPT, enterprise_id, json.dumps({"name": name})))


def forget_names(db: sqlite3.Connection) -> None:
    """Kept names that no task or record the tablet holds names any more (in the transaction
    `db` that removed the last one: a pull, a local delete, a rejected create)."""
    db.execute(f"DELETE FROM records WHERE entity = '{KEPT}' AND NOT EXISTS ("
               + NAMED.format("records.id") + ")")


def enterprise_name(store: Store, enterprise_id: str | None) -> str | None:
    """An enterprise's name as pulled, else as kept when it left the scope (saying so), else
    None."""
    if not enterprise_id:
        return None
    held = store.record_of("enterprise", enterprise_id)
    if held is not None:
        return held[1].get("name")
    kept = store.record_of(KEPT, enterprise_id)
    return f"{kept[1]['name']} ({GONE})" if kept else None
