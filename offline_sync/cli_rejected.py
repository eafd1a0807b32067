"""The command-line tablet's way out of a rejected create that edits wait behind: `status` and
`push` list them; `resend` fixes the create and sends it again, `discard` drops it with them."""

from __future__ import annotations

import json
from typing import Any

import click

from offline_sync.cli_base import BadInput, open_tablet
from offline_sync.engine import Tablet
from offline_sync.store import Mutation


def blocked_lines(report: list[dict[str, Any]]) -> list[str]:
    """Each rejected create still queued, what waits behind it, and what to do."""
    lines = []
    for create in report:
        waiting = ", ".join(f"{b['entity']} {b['id']} ({b['op']})" for b in create["blocked"])
        lines += [f"  blocked by the rejected {create['entity']} {create['id']}: "
                  f"{create['problem']}",
                  f"    {len(create['blocked'])} edits wait behind it: {waiting or '—'}",
                  f"    fix and send it again: `resend {create['id']} --set FIELD=VALUE` "
                  f"(or --inspector), or drop it and them: `discard {create['id']}`"]
    return lines


def withdrawal_lines(report: list[dict[str, Any]]) -> list[str]:
    """Each discarded edit the server might hold: withdrawn there, never received or refused
    there (nothing to do), or why the server refused the withdrawal."""
    lines = []
    for item in report:
        edit = f"{item['entity']} {item['id']} ({item['op']})" if item["entity"] \
            else f"the edit sent as {item['mutation_id']}"
        if item["withdrawn"]:
            lines.append(f"  withdrawn from the server: {edit}")
        elif not item["arrived"]:
            lines.append(f"  nothing to withdraw: {edit} never reached the server")
        elif item["refused"]:
            lines.append(f"  nothing to withdraw: the server had refused {edit} already")
        else:
            lines.append(f"  not withdrawn from the server: {edit}: {item['problem'] or ''}")
    return lines


def _value(text: str) -> Any:
    """A typed value: JSON when it reads as JSON (a number, a list), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _behind(tablet: Tablet, mutation_id: str) -> int:
    """How many edits wait behind the rejected create sent as `mutation_id`."""
    return sum(b.create.mutation_id == mutation_id for b in tablet.store.blocked())


@click.command()
@click.argument("ref", metavar="ID")
@click.option("--inspector", "inspectors", multiple=True,
              help="The record's officers, replacing those rejected: user id, username or "
                   "name (`officers`). Repeatable.")
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE",
              help="A field to change, e.g. occurred_on=2026-06-01 (a JSON value is read as "
                   "JSON). Repeatable.")
@click.pass_context
def resend(ctx: click.Context, ref: str, inspectors: tuple[str, ...],
           pairs: tuple[str, ...]) -> None:
    """Fix a rejected record (inspection or violation) that edits wait behind, and send it
    again on the next push, before them: ID is its id or the rejected edit's mutation id."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"--set {pair}: give FIELD=VALUE.")
        changes[name.strip()] = _value(value)
    with open_tablet(ctx) as tablet:
        if inspectors:
            changes["inspector_ids"] = [tablet.person(who)["id"] for who in inspectors]
        create, _ = tablet.rejected_create(ref)
        behind = _behind(tablet, create.mutation_id)
        fixed = tablet.fix_and_resend(ref, changes)
    click.echo(f"{fixed.entity} {fixed.record_id}: {', '.join(changes)} fixed; it goes again "
               f"on the next push, with the {behind} edits behind it")


@click.command()
@click.argument("ref", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask first.")
@click.pass_context
def discard(ctx: click.Context, ref: str, yes: bool) -> None:
    """Drop a rejected record and every edit waiting behind it (answers, signatures,
    violations, links, edits) from this tablet, with the rejected records naming it (a
    violation of it the server refused on its own) and what waits behind those: ID is its id
    or the rejected edit's mutation id. Captured files stay. Asks first unless --yes."""
    with open_tablet(ctx) as tablet:
        create, rejected, behind = tablet.discarding(ref)
        named = ", ".join(f"{m.entity} {m.record_id}" for m in rejected)
        them = "them" if rejected else "it"
        if not yes:
            click.confirm(f"Drop the rejected {create.entity} {create.record_id}"
                          + (f", the rejected {named} naming it," if rejected else "")
                          + f" and the {len(behind)} edits waiting behind {them}? They will "
                          "never be sent", abort=True)
        dropped = tablet.discard_rejected(create.mutation_id)
    click.echo(f"{len(dropped)} edits discarded: {create.entity} {create.record_id}"
               + (f", the {named}" if rejected else "")
               + f" and what waited behind {them}{_withdrawn_text(dropped)}")


def _withdrawn_text(dropped: list[Mutation]) -> str:
    """What of the dropped edits the server may hold, and is withdrawn at the next push."""
    held = sum(m.held for m in dropped)
    unanswered = sum(m.sent and not m.held for m in dropped)
    said = [f"the server holds {held} of them"] if held else []
    if unanswered:
        said.append(f"{unanswered} {'was' if unanswered == 1 else 'were'} sent and never "
                    "answered")
    return f"; {' and '.join(said)}: they are withdrawn at the next push" if said else ""


COMMANDS = (resend, discard)
