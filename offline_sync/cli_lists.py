"""What the command-line tablet holds, offline: enterprises and their sites, tasks, the officers
it can name, the violation catalogue, the checklist templates, its inspection records. `--json`
for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import click

from offline_sync import checklists
from offline_sync.cli_base import BadInput, open_tablet, shown, uncited_lines
from offline_sync.engine import Tablet
from offline_sync.names import enterprise_name
from offline_sync.visit import today

AS_JSON = click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
SEARCH = click.option("--search", default=None, help="Only those whose text contains this.")


def _matching(rows: list[dict[str, Any]], search: str | None, *keys: str
              ) -> list[dict[str, Any]]:
    """The rows with `search` in one of `keys` (case-insensitive); all without a search."""
    if not search:
        return rows
    wanted = search.casefold()
    return [row for row in rows if any(wanted in json.dumps(row.get(key), ensure_ascii=False)
                                       .casefold() for key in keys)]


def _show(rows: list[dict[str, Any]], as_json: bool, empty: str,
          lines: Callable[[dict[str, Any]], list[str]]) -> None:
    """Print the rows (JSON, or each as its lines), or what to do when there are none."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(empty)
    for row in rows:
        for line in lines(row):
            click.echo(line)


def _name_of(tablet: Tablet, enterprise_id: str | None) -> str:
    """An enterprise's name as pulled (or as kept when it left the scope), else its id."""
    return enterprise_name(tablet.store, enterprise_id) or str(enterprise_id)


def _enterprise_names(tablet: Tablet, rows: list[dict[str, Any]]) -> dict[str, str]:
    """The name of each row's enterprise, by the row's id."""
    return {row["id"]: _name_of(tablet, row.get("enterprise_id")) for row in rows}


def _site(enterprise: dict[str, Any]) -> str:
    """Where its site is, in words."""
    centroid = enterprise.get("centroid")
    if not enterprise.get("site") or not centroid:
        return "no site on record"
    area = enterprise.get("site_area_m2")
    return (f"site around {centroid[1]:.6f}, {centroid[0]:.6f} (WGS-84)"
            + (f", {area:,.0f} m²" if area else ""))


@click.command()
@SEARCH
@AS_JSON
@click.pass_context
def enterprises(ctx: click.Context, search: str | None, as_json: bool) -> None:
    """The enterprises this tablet holds (your district's and your tasks'), with their sites."""
    with open_tablet(ctx) as tablet:
        rows = tablet.store.records("enterprise")
    rows = sorted(_matching(rows, search, "name", "address", "credit_code", "industry"),
                  key=lambda row: row.get("name") or "")
    _show(rows, as_json, "No enterprise on this tablet" + (" matches" if search else "")
          + " (`pull` brings those of your district and tasks).", lambda row: [
              f"{row['id']}  {row.get('name')}  {row.get('credit_code')}",
              f"    {row.get('address') or 'no address'}; {_site(row)}"])


@click.command()
@AS_JSON
@click.pass_context
def tasks(ctx: click.Context, as_json: bool) -> None:
    """Your tasks as pulled, soonest due first, with the enterprise and the inspectors sent."""
    with open_tablet(ctx) as tablet:
        rows = sorted(tablet.store.records("task"), key=lambda row: row.get("due_date") or "")
        names = _enterprise_names(tablet, rows)
    _show(rows, as_json, "No task on this tablet (`pull` brings the tasks assigned to you).",
          lambda row: [
              f"{row['id']}  {row.get('status')}  {row.get('kind')}  due {row.get('due_date')}"
              + ("  OVERDUE" if row.get("overdue") else ""),
              f"    {names[row['id']]} ({row.get('enterprise_id')}); inspectors: "
              + ", ".join(f"{a.get('display_name')} ({a.get('id')})"
                          for a in row.get("assignees") or [])])


@click.command()
@AS_JSON
@click.pass_context
def officers(ctx: click.Context, as_json: bool) -> None:
    """The officers this tablet can name on a record, with their user ids and certificates:
    you, the active inspectors of your district, the inspectors of your tasks and the
    officers of your records."""
    with open_tablet(ctx) as tablet:
        rows = sorted(tablet.people().values(), key=lambda p: ("you" not in p["known_from"],
                                                               p["name"] or ""))
    _show(rows, as_json, "Nobody yet: `login`, then `pull` your tasks.", lambda p: [
        f"{p['id']}  {p['name'] or '?'}  ({p['username'] or 'username not pulled'})"
        + (f"  certificate {p['certificate_no']} until {p['certificate_expires']}"
           if p.get("certificate_no") else "")
        + ("  EXPIRED" if p.get("certificate_expires")
           and date.fromisoformat(p["certificate_expires"]) < today() else "")
        + f"  [{', '.join(p['known_from'])}]"])


@click.command()
@SEARCH
@AS_JSON
@click.pass_context
def codes(ctx: click.Context, search: str | None, as_json: bool) -> None:
    """The violation codes of the catalogue in force, as pulled, to pick one for add-violation."""
    with open_tablet(ctx) as tablet:
        rows = _matching(tablet.store.records("catalogue_entry"), search, "id", "title",
                         "violated_articles", "penalty_article")
    _show(rows, as_json, "No catalogue code on this tablet" + (" matches" if search else "")
          + " (`pull` brings the catalogue in force).", lambda row: [
              f"{row['id']}  {(row.get('title') or {}).get('zh')}  "
              f"({row.get('penalty_article') or 'no penalty article'})"])


@click.command()
@click.option("--enterprise", "enterprise_id", default=None,
              help="Only the templates meant for this enterprise (`enterprises`).")
@SEARCH
@AS_JSON
@click.pass_context
def templates(ctx: click.Context, enterprise_id: str | None, search: str | None,
              as_json: bool) -> None:
    """The checklist templates in force, as pulled, with their items (`checklist` answers)."""
    with open_tablet(ctx) as tablet:
        rows = checklists.held(tablet.store)
        found = tablet.store.record_of("enterprise", enterprise_id) if enterprise_id else None
    if enterprise_id:
        if found is None:
            raise BadInput(f"No enterprise {enterprise_id} on this tablet (`enterprises`)")
        rows = [row for row in rows if checklists.meant_for(row, found[1])]
    rows = _matching(rows, search, "title", "items")
    _show(rows, as_json, "No checklist template on this tablet" + (
        " matches" if search or enterprise_id else "") + " (`pull` brings those in force).",
          checklists.lines)


@click.command()
@AS_JSON
@click.pass_context
def inspections(ctx: click.Context, as_json: bool) -> None:
    """The inspection records on this tablet, newest first."""
    with open_tablet(ctx) as tablet:
        rows = [tablet.inspection(row["id"]) for row in tablet.store.records("inspection")]
        names = _enterprise_names(tablet, rows)
    rows.sort(key=lambda row: row.get("started_at") or "", reverse=True)
    _show(rows, as_json, "No inspection record on this tablet.", lambda row: [
        f"{row['id']}  {_state(row)}  started {shown(row.get('started_at'))}  {names[row['id']]}"])


def _count(number: int, thing: str) -> str:
    """'1 photo', '2 photos'."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _state(record: dict[str, Any]) -> str:
    """draft / submitted, and what of it is not sent yet."""
    state = record.get("status") or "draft"
    if record["version"] is None:
        return f"{state} (not sent yet)"
    unsent = record["unsent"]
    return f"{state} ({_count(unsent, 'edit')} not sent yet)" if unsent else state


def _signature_line(signature: dict[str, Any]) -> str:
    what = (f"refused to sign: {signature.get('refusal_reason')}" if signature.get("refused")
            else f"signed (image {str(signature.get('evidence_sha256'))[:12]})")
    return f"  {signature.get('role')} {signature.get('signer')}: {what}"


def _violation_line(violation: dict[str, Any]) -> str:
    where = violation.get("location") or {}
    place = f"at {where['lat']}, {where['lon']}" if where else "no position"
    flags = f" [{', '.join(violation['flags'])}]" if violation.get("flags") else ""
    cited = [str(sha) for sha in violation.get("evidence") or []]
    digests = f" ({', '.join(sha[:12] for sha in cited)})" if cited else ""  # remove-photo's
    return (f"  violation {violation['id']} {violation.get('code')} on "
            f"{violation.get('occurred_on')} {place}{flags}; "
            f"{_count(len(cited), 'photo')} cited{digests}")


@click.command()
@click.argument("inspection_id", metavar="INSPECTION")
@AS_JSON
@click.pass_context
def show(ctx: click.Context, inspection_id: str, as_json: bool) -> None:
    """One record as this tablet sees it, and what its submission still lacks."""
    with open_tablet(ctx) as tablet:
        record = tablet.inspection(inspection_id)
        lacking = tablet.lacking(record) if record.get("status") != "submitted" else []
        uncited = tablet.uncited(inspection_id)
        people = tablet.people()
        enterprise = _name_of(tablet, record.get("enterprise_id"))
    if as_json:
        click.echo(json.dumps({**record, "lacking": lacking, "uncited": [
            {"sha256": i.sha256, "filename": i.filename} for i in uncited]},
            ensure_ascii=False, indent=2))
        return
    officers_named = ", ".join(f"{(people.get(i) or {}).get('name') or '?'} ({i})"
                               for i in record.get("inspector_ids") or [])
    lines = [f"inspection {inspection_id}: {_state(record)}",
             f"  enterprise {enterprise} ({record.get('enterprise_id')})",
             f"  officers {officers_named}",
             f"  started {shown(record.get('started_at'))}; ended {shown(record.get('ended_at'))}",
             f"  findings: {record.get('findings') or '—'}"]
    lines += [f"  present: {p.get('name')} {p.get('role') or ''}".rstrip()
              for p in record.get("people_present") or []]
    lines += [f"  checklist {a['item']}: {a['answer']}" + (f" ({a['note']})" if a.get("note")
                                                           else "")
              for a in record["checklist"]]
    lines += [_violation_line(v) for v in record["violations"]]
    lines += [_signature_line(s) for s in record["signatures"]]
    if record.get("status") != "submitted":
        lines.append("  to submit: " + ("; ".join(lacking) if lacking else "ready (`submit`)"))
    lines += uncited_lines(inspection_id, uncited)
    for line in lines:
        click.echo(line)


COMMANDS = (enterprises, tasks, officers, codes, templates, inspections, show)
