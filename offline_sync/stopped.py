"""Edits stopped behind a rejected create: a create the server refused stays in the outbox
while edits queued after it need its record (its own updates, its parts, a violation of it and
that violation's links), and they all wait, unsent, for the user to fix the create and send it
again, or to discard it with them. Nothing the tablet recorded leaves without that decision.
Those of them the server may hold (answered `pending`, or sent and never answered) are
withdrawn there once discarded: the tablet queues a withdrawal of each, sent at the next push."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from offline_sync.files import now_iso
from schemas.sync import WITHDRAW

if TYPE_CHECKING:
    from offline_sync.store import Mutation, Outcome

# The fields by which an edit names another record it needs on the server.
REFERENCES = {"inspection_id": "inspection", "violation_id": "violation"}
NAMED_BY = {entity: field for field, entity in REFERENCES.items()}
# How the server says (409 `settled`) an edit withdrawn had settled when it holds nothing of it.
NOTHING_HELD = ("rejected", "withdrawn")


def needs(mutation: Mutation) -> list[tuple[str, str]]:
    """The records an edit needs on the server: its own (unless it creates it) and those its
    fields name."""
    found = [] if mutation.op == "create" else [(mutation.entity, mutation.record_id)]
    return found + [(entity, str(mutation.fields[field])) for field, entity
                    in REFERENCES.items() if mutation.fields.get(field)]


def needed(db: sqlite3.Connection, mutation: Mutation) -> bool:
    """Whether another queued edit needs the record this one creates (a later create of the
    same record, a second answer to a checklist item, makes it itself: it needs none)."""
    sql = ("SELECT 1 FROM outbox WHERE mutation_id != ? AND ((entity = ? AND record_id = ? "
           "AND op != 'create')")
    args = [mutation.mutation_id, mutation.entity, mutation.record_id]
    if field := NAMED_BY.get(mutation.entity):
        sql += f" OR json_extract(fields, '$.{field}') = ?"
        args.append(mutation.record_id)
    return db.execute(sql + ") LIMIT 1", args).fetchone() is not None


def withdrawal_settles(mutation: Mutation, result: dict[str, Any]) -> tuple[str, bool] | None:
    """How the server's refusal settles a withdrawal, once: a 404 (it never received the edit,
    so holds nothing under that id) or a 409 saying the edit had settled as rejected or
    withdrawn (nothing held either) as `not_held`, quietly; any other 409 (the edit had
    settled meanwhile, e.g. applied) as rejected, for the user to see. (status, quietly); None
    for any other answer, and for a refusal of the moment (`transient`), which goes again."""
    problem = result.get("problem") or {}
    if (mutation.entity, mutation.op) != WITHDRAW or problem.get("transient"):
        return None
    if problem.get("status") == 409 and problem.get("settled") in NOTHING_HELD:
        return "not_held", True
    return {404: ("not_held", True), 409: ("rejected", False)}.get(problem.get("status"))


@dataclass(frozen=True)
class Blocked:
    """A queued edit that cannot go: the record it needs was refused by the server."""

    mutation: Mutation
    create: Outcome  # the server's rejection of that record's create (its problem)


class StoppedEdits:
    """Rejected creates kept in the outbox and the edits behind them; mixed into Store."""

    db: sqlite3.Connection
    _lock: threading.RLock
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]
    queued: Callable[[], list[Mutation]]
    outcomes: Callable[..., list[Outcome]]

    def stopped(self) -> list[tuple[Mutation, Outcome]]:
        """The rejected creates still queued (fixed and sent again, or discarded, by the
        user), each with the server's rejection."""
        with self._lock:
            rejected = {o.mutation_id: o for o in self.outcomes(("rejected",))
                        if o.op == "create"}
            return [(m, rejected[m.mutation_id]) for m in self.queued()
                    if m.mutation_id in rejected]

    def blocked(self) -> list[Blocked]:
        """The queued edits behind a rejected create, in recording order; an edit needing a
        record whose own create is blocked is blocked by the same rejection."""
        with self._lock:
            stopped = {m.mutation_id: o for m, o in self.stopped()}
            waiting: dict[tuple[str, str], Outcome] = {}
            found = []
            for mutation in self.queued():
                if mutation.mutation_id in stopped:
                    waiting[(mutation.entity, mutation.record_id)] = stopped[mutation.mutation_id]
                    continue
                create = next((waiting[key] for key in needs(mutation) if key in waiting), None)
                if create is None:
                    continue
                found.append(Blocked(mutation, create))
                if mutation.op == "create":
                    waiting[(mutation.entity, mutation.record_id)] = create
            return found

    def stuck(self) -> set[str]:
        """The mutation ids not to send: rejected creates and the edits behind them."""
        return ({m.mutation_id for m, _ in self.stopped()}
                | {b.mutation.mutation_id for b in self.blocked()})

    def resend(self, mutation_id: str, changes: dict[str, Any]) -> Mutation:
        """A rejected create, fixed with `changes`, goes again in its place (before the edits
        behind it) under a new mutation_id; its rejection counts as handled. KeyError when
        no rejected create is queued under that id."""
        with self.transaction() as db:
            mutation, _ = self._stopped_one(mutation_id)
            fields = {**mutation.fields, **changes}
            fresh = str(uuid.uuid4())
            db.execute("UPDATE outbox SET mutation_id = ?, fields = ?, held = 0, attempts = 0, "
                       "sent = 0 WHERE mutation_id = ?", (fresh, json.dumps(fields), mutation_id))
            row = db.execute("SELECT data FROM records WHERE entity = ? AND id = ?",
                             (mutation.entity, mutation.record_id)).fetchone()
            data = {**(json.loads(row["data"]) if row else {}), **changes}
            db.execute("INSERT INTO records (entity, id, version, data) VALUES (?, ?, NULL, ?) "
                       "ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data",
                       (mutation.entity, mutation.record_id, json.dumps(data)))
            db.execute("UPDATE outcomes SET acknowledged = 1 WHERE mutation_id = ?",
                       (mutation_id,))
        return type(mutation)(mutation.seq, fresh, mutation.entity, mutation.op,
                              mutation.record_id, mutation.base_version, mutation.chained,
                              fields, mutation.recorded_at, False)

    def discarding(self, mutation_id: str) -> list[tuple[Mutation, Outcome]]:
        """What discarding the rejected create queued under `mutation_id` drops, it first,
        then in recording order: the edits blocked behind it, and the rejected creates still
        queued of records that name it or a record made behind it (a violation of a rejected
        inspection, refused on its own) with the edits behind those; nothing else. Each with
        the rejection it falls under (a rejected create: its own). KeyError as for resend."""
        with self._lock:
            stopped = {m.mutation_id: (m, o) for m, o in self.stopped()}
            if mutation_id not in stopped:
                raise KeyError(mutation_id)
            blocked = self.blocked()
            taken = {mutation_id}
            while True:
                made = {(m.entity, m.record_id) for m, _ in map(stopped.get, taken)} | {
                    (b.mutation.entity, b.mutation.record_id) for b in blocked
                    if b.create.mutation_id in taken and b.mutation.op == "create"}
                more = {key for key, (m, _) in stopped.items()
                        if key not in taken and any(need in made for need in needs(m))}
                if not more:
                    break
                taken |= more
            found = [stopped[key] for key in taken] + [
                (b.mutation, b.create) for b in blocked if b.create.mutation_id in taken]
            return sorted(found, key=lambda pair: (pair[0].mutation_id != mutation_id,
                                                   pair[0].seq))

    def discard(self, mutation_id: str) -> list[Mutation]:
        """The user drops a rejected create and what goes with it (discarding): they leave
        the outbox and the records they made leave the tablet, each kept as a `discarded`
        outcome, and a withdrawal of each edit the server may hold (answered pending, or
        sent and never answered; never one not sent, nor a rejected create) is queued in the
        same transaction. The dropped edits, create first; KeyError as for resend."""
        with self.transaction() as db:
            chain = self.discarding(mutation_id)
            answered = now_iso()
            for mutation, rejection in chain:
                db.execute("DELETE FROM outbox WHERE mutation_id = ?", (mutation.mutation_id,))
                if mutation.op == "create":
                    db.execute("DELETE FROM records WHERE entity = ? AND id = ?",
                               (mutation.entity, mutation.record_id))
                rejected = rejection.mutation_id == mutation.mutation_id
                result = {"status": "discarded", "rejected": rejection.result} if rejected \
                    else {"status": "discarded", "blocked_by": rejection.mutation_id}
                if rejected and mutation.mutation_id != mutation_id:
                    result["discarded_with"] = mutation_id
                db.execute(
                    "INSERT OR REPLACE INTO outcomes (mutation_id, entity, op, record_id, "
                    "status, conflict, version, fields, result, answered_at, acknowledged) "
                    "VALUES (?, ?, ?, ?, 'discarded', NULL, NULL, ?, ?, ?, 1)",
                    (mutation.mutation_id, mutation.entity, mutation.op, mutation.record_id,
                     json.dumps(mutation.fields), json.dumps(result), answered))
                if not rejected and (mutation.held or mutation.sent):  # else: there for ever
                    db.execute("INSERT INTO outbox (mutation_id, entity, op, record_id, "
                               "base_version, fields, recorded_at) VALUES (?, ?, ?, ?, NULL, "
                               "'{}', ?)", (str(uuid.uuid4()), *WITHDRAW,
                                            mutation.mutation_id, answered))
        return [mutation for mutation, _ in chain]

    def _stopped_one(self, mutation_id: str) -> tuple[Mutation, Outcome]:
        """The rejected create queued under this mutation id, with its rejection (KeyError
        when none is)."""
        found = [pair for pair in self.stopped() if pair[0].mutation_id == mutation_id]
        if not found:
            raise KeyError(mutation_id)
        return found[0]


def chains(blocked: Iterable[Blocked]) -> dict[str, list[Blocked]]:
    """The blocked edits by the mutation id of the rejected create they wait for."""
    grouped: dict[str, list[Blocked]] = {}
    for item in blocked:
        grouped.setdefault(item.create.mutation_id, []).append(item)
    return grouped
