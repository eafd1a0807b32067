"""A command-line tablet: sign in, pull, record a site visit offline, push, see what waits.

The visit's commands live in cli_visit (recording) and cli_lists (what the tablet holds)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from offline_sync import cli_lists, cli_password, cli_rejected, cli_visit
from offline_sync.cli_base import (
    IMAGE_KINDS,
    BadInput,
    kept_line,
    kind_note,
    location_option,
    open_tablet,
    shown,
    tally,
    uncited_lines,
    warn_undecoded,
)
from offline_sync.engine import Tablet, issue_of
from offline_sync.errors import Invalid, PasswordChangeRequired
from offline_sync.http import RetryPolicy
from offline_sync.rejected import blocked_report, withdrawal_report
from offline_sync.store import EvidenceItem
from schemas.sync import WITHDRAW

DEFAULT_HOME = Path.home() / ".offline_sync"


@click.group()
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              envvar="OFFLINE_SYNC_HOME", default=DEFAULT_HOME, show_default=True,
              help="The tablet's folder: its store and captured evidence.")
@click.pass_context
def main(ctx: click.Context, home: Path) -> None:
    """A tablet that works offline and syncs with the enforcement server."""
    ctx.obj = {"home": home,
               "tablet": functools.partial(Tablet, policy=RetryPolicy(notify=_retrying))}


def _retrying(retry: int, allowed: int, wait: float, cause: str) -> None:
    """Say why the tablet waits (a server restarting kept it silent for half a minute)."""
    click.echo(f"No answer yet ({cause}): trying again in {wait:.0f} s "
               f"(retry {retry} of {allowed}).", err=True)


TEMPORARY = ("Your password was set by an administrator and is temporary: choose your own "
             "now. It replaces the temporary one, which then stops working.")


@main.command()
@click.option("--server", required=True, help="e.g. http://127.0.0.1:5000")
@click.option("--username", required=True)
@click.option("--password", default=None,
              help="Asked for when not given (not shown as typed), or read from standard "
                   "input when that is not a terminal; on the command line, other users of "
                   "this machine may see it in the process list.")
@click.option("--new-password", default=None,
              help="Change the password to this one while signing in (needed after an "
                   "administrator set it; asked for when not given).")
@click.option("--device-id", default=None, help="Stable id of this tablet (made once if absent).")
@click.pass_context
def login(ctx: click.Context, server: str, username: str, password: str | None,
          new_password: str | None, device_id: str | None) -> None:
    """Sign in and keep a device token (changing a temporary password first)."""
    password = cli_password.password(password)
    with open_tablet(ctx) as tablet:
        try:
            body = tablet.login(server, username, password, device_id, new_password)
        except PasswordChangeRequired:
            click.echo(TEMPORARY, err=True)
            new_password = cli_password.new_password()
            body = tablet.login(server, username, password, device_id, new_password)
    if new_password is not None:
        click.echo("password changed: the temporary or old one no longer works")
    click.echo(f"signed in as {body['user']['username']} on {body['device_id']} "
               f"until {shown(body['expires_at'])}")


@main.command()
@click.option("--limit", default=500, show_default=True, help="Changes per page.")
@click.pass_context
def pull(ctx: click.Context, limit: int) -> None:
    """Fetch what changed in your scope since the last pull (resumable page by page)."""
    with open_tablet(ctx) as tablet, tqdm(desc="pull", unit=" changes") as bar:
        total = tablet.pull(limit, progress=bar.update)
        counts = tablet.store.counts()
    click.echo(f"{total} changes applied; records: {tally(counts)}")


@main.command("new-inspection")
@click.option("--enterprise", "enterprise_id", default=None,
              help="Enterprise id (`enterprises`); by default the task's.")
@click.option("--inspector", "inspectors", multiple=True,
              help="An officer: user id, username or name (`officers`). Give two, yourself "
                   "among them (处罚法 第42条); by default the task's inspectors.")
@click.option("--task", "task_id", default=None, help="The task visited (`tasks`).")
@click.option("--findings", default="")
@location_option("Check-in position")
@click.pass_context
def new_inspection(ctx: click.Context, enterprise_id: str | None, inspectors: tuple[str, ...],
                   task_id: str | None, findings: str, position: dict[str, Any] | None) -> None:
    """Open an inspection record offline (queued for the next push); prints its id."""
    extra: dict[str, Any] = {"findings": findings}
    if position:
        extra["checkin"] = position
    with open_tablet(ctx) as tablet:
        record_id = tablet.open_inspection(enterprise_id, inspectors, task_id=task_id, **extra)
    click.echo(record_id)


@main.command("add-photo")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--violation", "violation_id", default=None, help="Cite it on this violation.")
@click.option("--inspection", "inspection_id", default=None, metavar="INSPECTION",
              help="Keep it for this record (default: the violation's, else the open record "
                   "started last).")
@click.option("--kind", default="photo", show_default=True,
              type=click.Choice(["photo", "signature", "audio", "video", "document"]))
@click.pass_context
def add_photo(ctx: click.Context, file: Path, violation_id: str | None,
              inspection_id: str | None, kind: str) -> None:
    """Capture a file as evidence for a record: SHA-256 now, upload on the next push; says
    which record it is kept for."""
    with open_tablet(ctx) as tablet:
        if violation_id and tablet.store.record_of("violation", violation_id) is None:
            raise BadInput(  # its link would wait for it on the server forever
                f"No violation {violation_id} on this tablet: check the id, or pull first")
        record_id = tablet.photo_record(violation_id, inspection_id)
        item = tablet.add_photo(file, violation_id, kind, record_id)
        chosen = None if inspection_id or violation_id else tablet.open_records()
        said = kept_line(tablet, item, record_id, chosen)
    click.echo(f"{item.sha256} {item.size} bytes")
    click.echo(said + (f"; cited on violation {violation_id}" if violation_id else ""), err=True)
    if note := kind_note(item, kind):
        click.echo(note, err=True)
    if item.kind in IMAGE_KINDS:  # as kept: a document captured again as a photo is none
        warn_undecoded([file])


def _upload_bar(item: EvidenceItem) -> Callable[[int], None]:
    bar = tqdm(total=item.size, desc=item.filename or item.sha256[:12], unit="B",
               unit_scale=True, unit_divisor=1024, leave=False)

    def update(offset: int) -> None:
        bar.update(offset - bar.n)
        if offset >= item.size:
            bar.close()

    return update


@main.command()
@click.pass_context
def push(ctx: click.Context) -> None:
    """Send queued edits, then upload captured evidence (resuming where a transfer broke).

    Exits with status 1 when an edit was rejected or conflicted, a file refused or its copy
    lost from the tablet, or edits wait behind a rejected record (`resend` or `discard` it)."""
    with open_tablet(ctx) as tablet:
        with tqdm(total=len(tablet.store.queued()), desc="push", unit=" mutations") as bar:
            outcomes = tablet.push(progress=bar.update)
        waiting = {item.sha256 for item in tablet.store.evidence("pending")}
        uploads = tablet.upload_evidence(progress=_upload_bar)
        refused = [item for item in tablet.store.evidence("refused") if item.sha256 in waiting]
        missing = tablet.missing_files()
        citing = {item.sha256: tablet.citing(item.sha256) for item in (*refused, *missing)}
        left = len(tablet.store.queued())
        blocked = blocked_report(tablet.store)
        withdrawals = withdrawal_report(tablet.store, outcomes)
        uncited = tablet.uncited_by_record()
    edits = [o for o in outcomes if (o.entity, o.op) != WITHDRAW]  # listed apart, below
    counts: dict[str, int] = {}
    for outcome in edits:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    click.echo(f"answers: {tally(counts)}; evidence: {tally(uploads)}; still queued: {left}")
    for outcome in edits:
        if outcome.status in ("conflict", "rejected"):
            click.echo(_issue_line(issue_of(outcome)))
    for line in cli_rejected.withdrawal_lines(withdrawals):
        click.echo(line)
    for item in refused:
        click.echo(_refused_line(item.filename, item.sha256, item.detail, citing[item.sha256]))
    for item in missing:
        click.echo(_missing_line(item.filename, item.sha256, item.path, citing[item.sha256]))
    for line in cli_rejected.blocked_lines(blocked):
        click.echo(line)
    for record_id, items in uncited.items():
        for line in uncited_lines(record_id, items):
            click.echo(line)
    flagged = {outcome.mutation_id for outcome in outcomes if not outcome.acknowledged}
    # a rejected create with edits behind it is one thing to look at, not two
    attention = len(flagged) + len(refused) + len(missing) + sum(
        stopped["mutation_id"] not in flagged for stopped in blocked)
    if attention:
        click.echo(f"{attention} to look at (listed by `status`)")
        ctx.exit(1)


def _cited_on(violations: list[str]) -> str:
    """'; cited on violation V, which the server shows without it' ('' for none)."""
    if not violations:
        return ""
    named = ", ".join(violations)
    return (f"; cited on violation{'' if len(violations) == 1 else 's'} {named}, which the "
            f"server shows without it (missing evidence)")


def _refused_line(filename: str | None, sha256: str, detail: str | None,
                  citing: list[str]) -> str:
    said = (detail or "").rstrip(".") if citing else (detail or "")  # one sentence on
    return f"  refused file {filename or ''} ({sha256[:12]}): {said}{_cited_on(citing)}"


def _missing_line(filename: str | None, sha256: str, path: str, citing: list[str]) -> str:
    return (f"  missing file {filename or ''} ({sha256[:12]}): the tablet's copy ({path}) is "
            "gone, so it was not sent; capture the same file again (`add-photo FILE`) to "
            f"send it{_cited_on(citing)}")


def _issue_line(issue: dict[str, Any]) -> str:
    """One conflict or rejection, saying what became of the edit."""
    head = f"  {issue['status']} {issue['conflict'] or ''} {issue['entity']} {issue['id']}: "
    if issue["conflict"] == "soft":
        return head + "merged with what changed on the server meanwhile; nothing to do"
    if issue.get("settled"):
        return head + (f"{', '.join(issue['fields'] or ())} settled by a supervisor since "
                       f"(conflict {issue['conflict_id']}): `show` the record as pulled, then "
                       f"`ack {issue['conflict_id']}`")
    if issue["fields"]:
        return head + (f"{', '.join(issue['fields'])} changed on the server too: its value "
                       f"stands until a supervisor decides (conflict {issue['conflict_id']})")
    return head + (issue["problem"] or "")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """What the tablet holds, what it still owes the server, and issues to look at."""
    with open_tablet(ctx) as tablet:
        report = tablet.status()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if report["server"]:
        click.echo(f"server {report['server']} as {report['user']} on {report['device_id']}")
    else:
        click.echo("not signed in (run `login`)")
    click.echo(f"records: {tally(report['records'])}; outbox {report['outbox']} "
               f"({report['held']} held); evidence: {tally(report['evidence'])}"
               + (f"; {report['withdrawals']} withdrawals of discarded edits to send"
                  if report["withdrawals"] else "")
               + (f"; {len(report['given_up_files'])} file"
                  f"{'' if len(report['given_up_files']) == 1 else 's'} given up"
                  if report["given_up_files"] else "")
               + (f"; {len(report['cancelled_files'])} upload"
                  f"{'' if len(report['cancelled_files']) == 1 else 's'} cancelled (removed "
                  "from a violation before it was sent)" if report["cancelled_files"] else ""))
    for issue in report["issues"]:
        click.echo(_issue_line(issue))
    for item in report["refused_files"]:
        click.echo(_refused_line(item["filename"], item["sha256"], item["detail"],
                                 item["cited_on"]))
    for item in report["missing_files"]:
        click.echo(_missing_line(item["filename"], item["sha256"], item["path"],
                                 item["cited_on"]))
    for line in cli_rejected.blocked_lines(report["blocked"]):
        click.echo(line)
    if report["issues"]:
        click.echo("Once an issue is handled (corrected, or settled by a supervisor), "
                   "`ack ID` with the id it names takes it off this list.")


@main.command()
@click.argument("issue_id", metavar="ID")
@click.pass_context
def ack(ctx: click.Context, issue_id: str) -> None:
    """Take a handled conflict or rejection off the list `status` shows: ID is the record's
    id, the conflict's id, or the edit's mutation id; or give up a file the server refused or
    whose copy was lost: ID is its digest (or first digits)."""
    with open_tablet(ctx) as tablet:
        issues = [o for o in tablet.store.issues() if issue_id in (
            o.mutation_id, o.record_id, o.answer.get("conflict_id"))]
        if not issues:
            _give_up(tablet, issue_id)
            return
        for outcome in issues:
            tablet.store.acknowledge(outcome.mutation_id)
        left = len(tablet.store.issues())
    click.echo(f"{len(issues)} issue{'' if len(issues) == 1 else 's'} acknowledged; "
               f"{left} left to look at")


def _give_up(tablet: Tablet, ref: str) -> None:
    """ack of a file: given up, saying what still cites it."""
    try:
        item = tablet.captured(ref)
    except Invalid as error:
        raise BadInput(f"No issue to look at has the id {ref}, nor does a file captured "
                       "(`status` lists them).") from error
    tablet.give_up_file(item.sha256)
    click.echo(f"{item.filename or ''} ({item.sha256[:12]}) given up: it is not sent"
               f"{_cited_on(tablet.citing(item.sha256))}; capturing the same file again "
               "sends it")


for command in (*cli_visit.COMMANDS, *cli_lists.COMMANDS, *cli_rejected.COMMANDS):
    main.add_command(command)
