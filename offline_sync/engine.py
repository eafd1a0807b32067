"""The tablet: sign in, pull into the store, record offline edits, push them, upload evidence."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from offline_sync.errors import (
    Invalid,
    NotSignedIn,
    OtherUsersWork,
    Refused,
    SyncError,
    describe,
)
from offline_sync.evidence import CHUNK, EvidenceUploader, capture
from offline_sync.http import Api, RetryPolicy
from offline_sync.rejected import Rejections, blocked_report
from offline_sync.store import EvidenceItem, Mutation, Outcome, Store
from offline_sync.visit import Fieldwork
from schemas.sync import MAX_BATCH, MAX_PULL_LIMIT, PUSH_ENTITIES, PUSH_OPS, WITHDRAW


def link_id(violation_id: str, sha256: str) -> str:
    """The id of citing one file on one violation: the same pair always gets the same id (so
    an unlink chains onto its link), in 36 characters (the server's audit keys are short)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"evidence-link:{violation_id}:{sha256}"))


def owed_text(edits: int, files: int) -> str:
    """'1 edit and 2 files'."""
    return f"{edits} edit{'' if edits == 1 else 's'} and {files} file{'' if files == 1 else 's'}"


def issue_of(outcome: Outcome, settled: bool = False) -> dict[str, Any]:
    """A conflict or rejection as status reports it (`settled`: a hard conflict the record
    as last pulled no longer has open)."""
    answer = outcome.answer
    return {"mutation_id": outcome.mutation_id, "entity": outcome.entity,
            "id": outcome.record_id, "status": outcome.status, "conflict": outcome.conflict,
            "conflict_id": answer.get("conflict_id"),
            "fields": answer.get("conflicting_fields"),
            "problem": describe(answer["problem"]) if answer.get("problem") else None,
            "settled": settled}


class Server(Protocol):
    """What the engine needs from the server (offline_sync.http.Api, or a fake in tests)."""

    def pull(self, cursor: str, limit: int) -> dict[str, Any]:
        """One page of changes."""

    def push(self, device_id: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One result per mutation."""


class Tablet(Fieldwork, Rejections):
    """One tablet's sync engine over its own folder (store file and captured evidence)."""

    def __init__(self, home: str | Path, server: Server | None = None,
                 policy: RetryPolicy | None = None, chunk_size: int = CHUNK):
        self.home = Path(home)
        self.chunk_size = chunk_size
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)  # it holds the token
        self.store = Store(self.home / "tablet.sqlite3")
        self.policy = policy or RetryPolicy()
        self._server = server

    def close(self) -> None:
        """Close the store and the connections."""
        if isinstance(self._server, Api):
            self._server.close()
        self.store.close()

    @property
    def server(self) -> Server:
        """The server connection (from the stored address and token unless one was given)."""
        if self._server is None:
            base, token = self.store.get("server"), self.store.get("token")
            if not base or not token:
                raise NotSignedIn("Not signed in: run `login` first.")
            self._server = Api(base, token, self.policy)
        return self._server

    @property
    def device_id(self) -> str:
        """This tablet's stable id (made once, kept in the store)."""
        device = self.store.get("device_id")
        if device is None:
            device = f"tablet-{uuid.uuid4().hex[:12]}"
            self.store.set(device_id=device)
        return device

    @property
    def user(self) -> dict[str, Any] | None:
        """The signed-in user as the server described them."""
        raw = self.store.get("user")
        return json.loads(raw) if raw else None

    def login(self, base_url: str, username: str, password: str,
              device_id: str | None = None, new_password: str | None = None) -> dict[str, Any]:
        """Sign in on this tablet; keeps the server address, token and user. A temporary
        password raises PasswordChangeRequired; with `new_password` the password is changed
        to it (any password, temporary or not) and the tablet signed in with it. Invalid for
        an address that is not an http(s) URL."""
        address = urlsplit(base_url)
        if address.scheme not in ("http", "https") or not address.netloc:
            raise Invalid(f"The server address {base_url} is not a web address: write it "
                          "with http:// or https://, e.g. http://127.0.0.1:5000")
        if device_id:
            self.store.set(device_id=device_id)
        self._refuse_over_others_work({"username": username})  # before a token is issued
        api = Api(base_url, policy=self.policy)
        body = api.login(username, password, self.device_id, new_password)
        try:
            self._refuse_over_others_work(body["user"])
        except OtherUsersWork:
            with suppress(SyncError):  # the token just issued must not stay valid unused
                api.sign_out(self.device_id)
            raise
        self.store.set(server=api.base_url, token=body["access_token"],
                       user=json.dumps(body["user"], ensure_ascii=False),
                       device_id=body.get("device_id") or self.device_id)
        self._server = api
        return body

    def _refuse_over_others_work(self, user: dict[str, Any]) -> None:
        """Unsent edits and files go with the token of whoever is signed in: while another
        user's wait here, nobody else may sign in (their work would be sent as theirs)."""
        previous = self.user
        key = "id" if "id" in user else "username"  # by name before the server answers
        if previous is None or previous.get(key) == user.get(key):
            return
        if any(self.owed()):
            raise OtherUsersWork(
                f"This tablet holds {owed_text(*self.owed())} of {previous.get('username')} "
                f"not yet sent: {previous.get('username')} signs in and pushes them first.")

    def owed(self) -> tuple[int, int]:
        """(edits in the outbox, captured files not yet uploaded)."""
        return len(self.store.queued()), len(self.store.evidence("pending"))

    # -- pull -------------------------------------------------------------------------------

    def pull(self, limit: int = MAX_PULL_LIMIT,
             progress: Callable[[int], None] | None = None) -> int:
        """Pull pages until the server has no more; each page commits with its cursor."""
        total, reset = 0, False
        while True:
            try:
                page = self.server.pull(self.store.cursor, limit)
            except Refused as error:
                if error.status != 422 or "cursor" not in (error.problem.get("errors") or {}):
                    raise
                if not self.store.cursor:
                    raise
                self.store.set(cursor=None)  # a cursor the server no longer knows: start over
                reset = True
                continue
            reset = reset or bool(page.get("reset"))
            applied = self.store.apply_page(page["changes"], page["next_cursor"], reset)
            reset = False
            total += applied
            if progress:
                progress(applied)
            if not page["has_more"]:
                return total

    # -- offline edits ----------------------------------------------------------------------

    def record(self, entity: str, op: str, record_id: str, fields: dict[str, Any]) -> Mutation:
        """Queue an edit (durable before this returns); ValueError for an unknown kind, or a
        withdrawal (queued by discard_rejected only)."""
        if entity not in PUSH_ENTITIES or op not in PUSH_OPS or (entity, op) == WITHDRAW:
            raise ValueError(f"cannot push {op} of {entity}")
        return self.store.record(entity, op, record_id, fields)

    def new_inspection(self, enterprise_id: str, inspector_ids: list[str],
                       **fields: Any) -> str:
        """Open an inspection record offline; returns its (tablet-made) id."""
        record_id = str(uuid.uuid4())
        body = {"enterprise_id": enterprise_id, "inspector_ids": inspector_ids,
                "started_at": datetime.now(UTC).isoformat(), **fields}
        self.record("inspection", "create", record_id, body)
        return record_id

    def add_photo(self, path: str | Path, violation_id: str | None = None,
                  kind: str = "photo", inspection_id: str | None = None) -> EvidenceItem:
        """Capture a file as evidence (SHA-256 now) for a record (the one given, else the
        violation's, else the one being visited) and, if given, cite it on a violation (the
        link may travel before the file: the server lists it as missing meanwhile). Invalid
        as photo_record, before anything is captured."""
        inspection_id = self.photo_record(violation_id, inspection_id)
        item = capture(self.store, path, self.home / "evidence", kind, inspection_id)
        if violation_id:
            self.link_photo(violation_id, item.sha256)
        return item

    def link_photo(self, violation_id: str, sha256: str) -> str:
        """Cite a captured file on a violation (queued); the link's id."""
        key = link_id(violation_id, sha256)
        self.record("evidence_link", "create", key,
                    {"violation_id": violation_id, "sha256": sha256})
        return key

    def remove_photo(self, violation_id: str, sha256: str) -> EvidenceItem | None:
        """Stop citing a file on a violation (queued: an evidence_link delete on the link's
        id, so it goes after a link still queued); the tablet shows the violation without it
        at once. A captured file not sent yet that nothing else cites then is not sent (its
        upload cancelled; citing or capturing it again sends it). Invalid for a violation the
        tablet does not hold or that does not cite the file. Both in one local transaction,
        with the URL of an upload of it begun, which the next push ends on the server (tus
        termination) rather than leave its part there until it expires. The file as captured
        here (None: not captured on this tablet)."""
        if self.store.record_of("violation", violation_id) is None:
            raise Invalid(f"No violation {violation_id} on this tablet: check the id, or pull "
                          "first")
        if violation_id not in self.citing(sha256):
            raise Invalid(f"The violation {violation_id} does not cite {sha256[:12]} (as this "
                          "tablet knows it: `show` lists the photos each violation cites)")
        with self.store.transaction():  # a crash between the two leaves neither
            self.record("evidence_link", "delete", link_id(violation_id, sha256),
                        {"violation_id": violation_id, "sha256": sha256})
            item = self.store.evidence_item(sha256)
            if item is not None and item.state == "pending" and not self.cited_anywhere(sha256):
                self.store.mark_evidence(sha256, "cancelled", f"removed from violation "
                                         f"{violation_id} before it was sent; cited by nothing")
                self.store.cancel_upload(sha256)  # a part sent is ended on the server
        return self.store.evidence_item(sha256)

    # -- push -------------------------------------------------------------------------------

    def push(self, batch_size: int = MAX_BATCH,
             progress: Callable[[int], None] | None = None) -> list[Outcome]:
        """Send the outbox in batches until it is empty or only held mutations remain."""
        outcomes: list[Outcome] = []
        sent_held: set[str] = set()
        while True:
            batch = [m for m in self.store.next_batch(batch_size)
                     if m.mutation_id not in sent_held]
            if not batch:
                return outcomes
            self.store.sending(batch)  # from now on the server may hold them
            results = self.server.push(self.device_id, [m.wire() for m in batch])
            by_id: dict[str, dict[str, Any]] = {}
            for result in results:  # a released (final) answer beats a pending one
                key = str(result.get("mutation_id"))
                if key not in by_id or by_id[key].get("status") == "pending":
                    by_id[key] = result
            settled = 0
            answered = batch + [m for m in self.store.queued()
                                if m.held and m.mutation_id in by_id and m not in batch]
            for mutation in answered:
                result = by_id.get(mutation.mutation_id)
                if result is None:
                    continue  # no answer: it stays queued and goes again
                outcome = self.store.settle(mutation, result)
                if outcome is None:
                    sent_held.add(mutation.mutation_id)
                else:
                    outcomes.append(outcome)
                    settled += 1
            if progress:
                progress(settled)
            if settled == 0:
                return outcomes  # all held or unanswered: they go again on the next push

    # -- evidence ---------------------------------------------------------------------------

    def upload_evidence(self, progress: Callable[[EvidenceItem], Callable[[int], None] | None]
                        | None = None) -> dict[str, int]:
        """End on the server the uploads begun that the tablet no longer sends, then upload
        every pending captured file whose copy the tablet still has (those it lost stay
        pending: `missing_files`); counts of uploaded and refused."""
        uploader = EvidenceUploader(self.store, self.server,  # type: ignore[arg-type]
                                    self.chunk_size)
        uploader.end_abandoned()  # first: they count among the user's open uploads
        counts = {"uploaded": 0, "refused": 0}
        for item in self.store.evidence("pending"):
            if not Path(item.path).is_file():
                continue
            state = uploader.upload(item, progress(item) if progress else None)
            counts[state] += 1
        return counts

    def give_up_file(self, sha256: str) -> EvidenceItem:
        """Stop owing a captured file the server refused or whose copy the tablet lost: kept
        as given_up (capturing the same bytes again sends it). Invalid for one that can
        still be sent, or was."""
        item = self.store.evidence_item(sha256)
        if item is None:
            raise Invalid(f"No file captured on this tablet has the SHA-256 {sha256}.")
        lost = item.state == "pending" and not Path(item.path).is_file()
        if item.state != "refused" and not lost:
            raise Invalid(f"{item.filename or ''} ({sha256[:12]}) is "
                          + {"pending": "sent at the next push", "uploaded": "on the server",
                             "given_up": "given up already",
                             "cancelled": "not sent: its upload was cancelled"
                             }.get(item.state, item.state)
                          + ": there is nothing to give up")
        self.store.mark_evidence(sha256, "given_up", item.detail if item.state == "refused"
                                 else "its copy was lost on this tablet")
        return item

    def conflict_settled(self, outcome: Outcome) -> bool:
        """Whether a hard conflict was resolved since: the record that holds it (the server's
        copy in the answer), pulled at or after the conflict's version, no longer lists it
        among its open_conflicts. False while the tablet has not seen that."""
        answer = outcome.answer
        key = str((answer.get("server") or {}).get("id") or outcome.record_id)
        if outcome.conflict != "hard" or not answer.get("conflict_id"):
            return False
        for entity in ("inspection", "violation"):
            held = self.store.record_of(entity, key)
            if held is not None and isinstance(held[1].get("open_conflicts"), list):
                version, data = held
                return version is not None and version >= (answer.get("version") or 0) \
                    and answer["conflict_id"] not in data["open_conflicts"]
        return False

    def missing_files(self) -> list[EvidenceItem]:
        """Captured files still to send whose copy is gone from the tablet's folder: kept on
        the list until captured again (the same bytes bring the copy back)."""
        return [item for item in self.store.evidence("pending") if not Path(item.path).is_file()]

    def sync(self) -> dict[str, Any]:
        """Push, upload, then pull: what an evening on the network does."""
        outcomes = self.push()
        uploads = self.upload_evidence()
        pulled = self.pull()
        return {"outcomes": outcomes, "uploads": uploads, "pulled": pulled}

    def status(self) -> dict[str, Any]:
        """What the tablet holds and owes."""
        queued = self.store.queued()
        withdrawals = sum((m.entity, m.op) == WITHDRAW for m in queued)
        return {
            "server": self.store.get("server"), "device_id": self.store.get("device_id"),
            "user": (self.user or {}).get("username"), "cursor": self.store.cursor,
            "records": self.store.counts(), "outbox": len(queued) - withdrawals,
            "held": sum(m.held for m in queued), "withdrawals": withdrawals,
            "evidence": {state: len(self.store.evidence(state))
                         for state in ("pending", "uploaded", "refused")},
            "issues": [issue_of(o, self.conflict_settled(o)) for o in self.store.issues()],
            "blocked": blocked_report(self.store),
            "refused_files": [{"sha256": item.sha256, "filename": item.filename,
                               "kind": item.kind, "detail": item.detail,
                               "cited_on": self.citing(item.sha256)}
                              for item in self.store.evidence("refused")],
            "given_up_files": [{"sha256": item.sha256, "filename": item.filename,
                                "kind": item.kind, "detail": item.detail}
                               for item in self.store.evidence("given_up")],
            "cancelled_files": [{"sha256": item.sha256, "filename": item.filename,
                                 "kind": item.kind, "detail": item.detail}
                                for item in self.store.evidence("cancelled")],
            "missing_files": [{"sha256": item.sha256, "filename": item.filename,
                               "kind": item.kind, "path": item.path,
                               "cited_on": self.citing(item.sha256)}
                              for item in self.missing_files()],
        }

