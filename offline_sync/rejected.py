"""A create the server rejected while edits queued after it need its record: what the app shows
(the edits blocked, with the rejection's problem) and the user's two ways out, fixing the
create so it goes again, or discarding it with everything behind it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from offline_sync.errors import Invalid, describe
from offline_sync.stopped import chains
from offline_sync.store import Mutation, Outcome, Store
from schemas.sync import WITHDRAW

FIXABLE = ("inspection", "violation")


def blocked_report(store: Store) -> list[dict[str, Any]]:
    """Each rejected create still queued, with its problem and the edits waiting for it."""
    waiting = chains(store.blocked())
    return [{"mutation_id": create.mutation_id, "entity": create.entity, "id": create.record_id,
             "problem": describe(rejection.answer.get("problem") or {}),
             "blocked": [{"mutation_id": b.mutation.mutation_id, "entity": b.mutation.entity,
                          "op": b.mutation.op, "id": b.mutation.record_id}
                         for b in waiting.get(create.mutation_id, [])]}
            for create, rejection in store.stopped()]


def withdrawal_report(store: Store, outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """The server's answers to withdrawals of discarded edits it might hold: each edit, whether
    it was withdrawn, whether it had reached the server at all (when not, nothing is held
    there: nothing to do), whether the server had refused it already (nothing held either),
    and the problem when the server refused the withdrawal otherwise (it had applied it)."""
    discarded = {o.mutation_id: o for o in store.outcomes(("discarded",))}
    found = []
    for outcome in outcomes:
        if (outcome.entity, outcome.op) != WITHDRAW or outcome.status == "resent":
            continue  # a refusal of the moment goes again: its last answer is shown
        edit = discarded.get(outcome.record_id)
        problem = outcome.answer.get("problem")
        refused = outcome.status == "not_held" and (problem or {}).get("status") == 409
        arrived = outcome.status != "not_held" or refused
        found.append({"mutation_id": outcome.record_id, "withdrawn": outcome.status == "applied",
                      "arrived": arrived, "refused": refused,
                      "entity": edit.entity if edit else None,
                      "op": edit.op if edit else None, "id": edit.record_id if edit else None,
                      "problem": describe(problem) if problem and arrived and not refused
                      else None})
    return found


class Rejections:
    """Fix or discard a rejected create; mixed into Tablet (with Fieldwork's checks)."""

    store: Store
    check_inspection: Callable[[dict[str, Any]], None]
    check_violation: Callable[[dict[str, Any]], None]

    def rejected_create(self, ref: str) -> tuple[Mutation, Outcome]:
        """The rejected create still queued that `ref` names (its record's id or its mutation
        id), with the rejection; Invalid when none does."""
        found = [pair for pair in self.store.stopped()
                 if ref in (pair[0].record_id, pair[0].mutation_id)]
        if not found:
            raise Invalid(f"No rejected record {ref} waits on this tablet with edits behind it "
                          "(`status` lists them).")
        return found[0]

    def fix_and_resend(self, ref: str, changes: dict[str, Any]) -> Mutation:
        """Send a rejected create again with `changes`, checked as a new record is; the
        edits behind it follow it. Invalid for no change, or one the tablet refuses."""
        create, _ = self.rejected_create(ref)
        if create.entity not in FIXABLE:
            raise Invalid(f"A {create.entity} is not fixed here: discard it.")
        if not changes:
            raise Invalid("Nothing changed: say what to fix (the rejection says why).")
        fields = {**create.fields, **changes}
        if create.entity == "inspection":
            self.check_inspection(fields)
        else:
            self.check_violation(fields)
        return self.store.resend(create.mutation_id, changes)

    def discarding(self, ref: str) -> tuple[Mutation, list[Mutation], list[Mutation]]:
        """What discard_rejected(ref) drops: the rejected create `ref` names, the rejected
        creates of records naming it that go with it (a violation of it refused on its own),
        and the edits waiting behind them; Invalid as rejected_create."""
        create, _ = self.rejected_create(ref)
        chain = self.store.discarding(create.mutation_id)[1:]
        return (create, [m for m, why in chain if why.mutation_id == m.mutation_id],
                [m for m, why in chain if why.mutation_id != m.mutation_id])

    def discard_rejected(self, ref: str) -> list[Mutation]:
        """Drop a rejected create, the rejected creates of records naming it, and every edit
        blocked behind them (the user's decision); the edits dropped, create first."""
        create, _ = self.rejected_create(ref)
        return self.store.discard(create.mutation_id)

