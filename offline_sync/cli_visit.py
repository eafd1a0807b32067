"""The command-line tablet's site visit: violations, checklist answers, findings, signatures,
submission. Each is queued offline; input the contract refuses exits with status 2 and
leaves nothing queued or captured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from offline_sync import checklists
from offline_sync.cli_base import (
    IMAGE_KINDS,
    BadInput,
    kind_note,
    location_option,
    moment,
    open_tablet,
    uncited_lines,
    warn_undecoded,
)
from offline_sync.engine import Tablet
from offline_sync.position import distance_m, photo_position
from offline_sync.visit import file_digest, not_empty

INSPECTION = click.argument("inspection_id", metavar="INSPECTION")
YES, NO = ("yes", "true", "y", "1"), ("no", "false", "n", "0")
FAR_M = 1000.0  # from the site's centre: a position worth a second look before it is sent


def _note(text: str) -> None:
    """A remark for the inspector on stderr (stdout keeps what scripts read: an id)."""
    click.echo(text, err=True)


def _cited(tablet: Tablet, refs: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """The photos named: files to capture now, and digests of files captured before."""
    files, digests = [], []
    for ref in refs:
        if Path(ref).is_file():
            files.append(not_empty(ref))  # said before anything else is looked up
        else:
            digests.append(tablet.captured(ref).sha256)
    return files, digests


def _photo_position(tablet: Tablet, inspection_id: str, files: list[Path],
                    digests: list[str], notes: list[str]) -> dict[str, Any]:
    """Where the violation is: the GPS of the first photo cited that has one, else of the
    last photo captured during the inspection (said in `notes`). BadInput when none has."""
    paths = [*files, *(Path(tablet.captured(d).path) for d in digests)]
    names = [*(f.name for f in files), *(tablet.captured(d).filename or d[:12] for d in digests)]
    for path, name in zip(paths, names, strict=True):
        if (position := photo_position(path)) is not None:
            notes.append(f"position {position['lat']}, {position['lon']} (WGS-84) from "
                         f"{name}'s GPS")
            return position
    found = tablet.last_position(tablet.inspection(inspection_id).get("started_at"))
    if found is None:
        raise BadInput("No position for the violation: no photo cited, nor any photo captured "
                       "during this inspection, has GPS. Give --lat and --lon, or --no-location "
                       "to record it without one (the server then flags it no_gps).")
    position, item = found
    notes.append(f"position {position['lat']}, {position['lon']} (WGS-84) from the GPS of the "
                 f"last photo, {item.filename or item.sha256[:12]}")
    return position


def _far_from_site(tablet: Tablet, inspection_id: str, position: dict[str, Any],
                   notes: list[str]) -> None:
    """Say so in `notes` when the position is far from the centre of the enterprise's site (a
    photo taken elsewhere, a typo): the server will flag it outside_site."""
    enterprise_id = tablet.inspection(inspection_id).get("enterprise_id")
    held = tablet.store.record_of("enterprise", enterprise_id) if enterprise_id else None
    centre = held[1].get("centroid") if held else None
    if not centre:
        return
    away = distance_m(position["lat"], position["lon"], centre[1], centre[0])
    if away > FAR_M:
        notes.append(f"note: that is {away / 1000:,.1f} km from the site of "
                     f"{held[1].get('name')}: is it the right position?")


def _facts(typed: tuple[str, ...]) -> dict[str, bool]:
    """NAME=yes|no pairs as the facts the rules read."""
    facts = {}
    for pair in typed:
        name, _, value = pair.partition("=")
        if value.lower() not in YES + NO:
            raise BadInput(f"--fact {pair}: give NAME=yes or NAME=no.")
        facts[name.strip()] = value.lower() in YES
    return facts


@click.command("add-violation")
@INSPECTION
@click.option("--code", required=True, help="Catalogue code (`codes` lists them), e.g. AIR_VOC.")
@click.option("--occurred-on", required=True, help="Day of the act, YYYY-MM-DD.")
@location_option("Where it was found (default: a photo's GPS)")
@click.option("--no-location", is_flag=True, help="Record it without a position.")
@click.option("--description", default="")
@click.option("--photo", "photos", multiple=True, metavar="FILE|SHA256",
              help="Cite a photo: a file (captured now) or the digest (or its first digits) "
                   "of one captured before. Repeatable.")
@click.option("--continuing", is_flag=True, help="A continuing act (持续状态).")
@click.option("--ended-on", default=None, help="Day a continuing act ended.")
@click.option("--individual", is_flag=True, help="The party is a person, not an organisation.")
@click.option("--fact", "facts", multiple=True, metavar="NAME=yes|no",
              help="A fact the rules read, e.g. corrected_on_spot=yes. Repeatable.")
@click.pass_context
def add_violation(ctx: click.Context, inspection_id: str, code: str, occurred_on: str,
                  position: dict[str, Any] | None, no_location: bool, description: str,
                  photos: tuple[str, ...], continuing: bool, ended_on: str | None,
                  individual: bool, facts: tuple[str, ...]) -> None:
    """Record a violation found on the visit, geotagged and citing its photos; prints its id."""
    if position and no_location:
        raise BadInput("Give a position or --no-location, not both.")
    fields: dict[str, Any] = {
        "description": description, **({"continuing": True} if continuing else {}),
        **({"ended_on": ended_on} if ended_on else {}),
        **({"party_type": "individual"} if individual else {}),
        **({"facts": _facts(facts)} if facts else {})}
    notes: list[str] = []  # said once the violation is recorded, not for one refused
    with open_tablet(ctx) as tablet:
        tablet.inspection(inspection_id)  # a record it holds, before looking for a position
        files, digests = _cited(tablet, photos)
        if position is None and not no_location:
            position = _photo_position(tablet, inspection_id, files, digests, notes)
        if position is not None and position.get("crs", "wgs84") == "wgs84":
            _far_from_site(tablet, inspection_id, position, notes)
        violation_id = tablet.add_violation(inspection_id, code, occurred_on, files=files,
                                            evidence=digests, location=position, **fields)
        unchecked = not tablet.store.counts().get("catalogue_entry")
        kept = [tablet.store.evidence_item(file_digest(file)) for file in files]
    for text in notes:
        _note(text)
    for item in kept:  # the bytes were captured before as another kind: that kind holds
        if item is not None and (note := kind_note(item, "photo")):
            _note(note)
    if unchecked:
        _note(f"{code} was not checked: this tablet holds no catalogue yet (`pull` brings it)")
    warn_undecoded(files)
    click.echo(violation_id)


@click.command()
@INSPECTION
@click.argument("item", required=False)
@click.argument("answer", required=False, type=click.Choice(["yes", "no", "na"]))
@click.option("--note", default="", help="What was seen.")
@click.pass_context
def checklist(ctx: click.Context, inspection_id: str, item: str | None, answer: str | None,
              note: str) -> None:
    """Answer one checklist item (yes, no or na); answering it again replaces the answer.
    Without ITEM: the items of the templates meant for the record's enterprise, as in force
    on the record's visit day (the day it started)."""
    if item is not None and answer is None:
        raise BadInput(f"Give the answer to {item}: yes, no or na.")
    with open_tablet(ctx) as tablet:
        record = tablet.inspection(inspection_id)
        day = checklists.visit_day(record)
        templates = checklists.on(tablet.store, day)
        found = tablet.store.record_of("enterprise", record.get("enterprise_id") or "")
        enterprise = found[1] if found else None
        if item is None:
            _show_items(templates, enterprise, record)
            return
        named = checklists.find(templates, item)
        kept = item in tablet.held_items(inspection_id)  # the server does not ask again
        pulled = checklists.pulled(tablet.store)
        if pulled and named is None and not kept:
            raise BadInput(f"No checklist template this tablet holds has an item {item!r} in "
                           f"force on {day}, the record's visit day: `checklist "
                           f"{inspection_id}` lists the items for this enterprise then, "
                           "`templates` every template in force today")
        tablet.answer(inspection_id, item, answer, note)
    if named is None and pulled:
        _note(f"{item} was not checked again: the record holds an answer to it (no template "
              f"in force on {day} has it now; the server takes it as well)")
    elif named is None:
        _note(f"{item} was not checked: this tablet holds no checklist template yet "
              "(`pull` brings them)")
    elif not checklists.meant_for(named[0], enterprise):
        _note(f"note: {item} is from {named[0].get('ref')}, which is not meant for this "
              f"enterprise ({checklists.scope_text(named[0])})")
    question = f" {named[1]['question']['zh']}" if named else ""
    click.echo(f"checklist {item}{question}: {answer} (queued for the next push)")


def _show_items(templates: list[dict[str, Any]], enterprise: dict[str, Any] | None,
                record: dict[str, Any]) -> None:
    """The items of the templates meant for the enterprise, each with its answer so far."""
    meant = [t for t in templates if checklists.meant_for(t, enterprise)]
    if not meant:
        click.echo("No checklist template on this tablet is meant for this enterprise"
                   if templates else "No checklist template on this tablet (`pull` brings "
                   "those in force).")
        return
    answers = {a["item"]: a for a in record.get("checklist") or []}
    for template in meant:
        for line in checklists.lines(template, answers):
            click.echo(line)
    click.echo(f"answer with: checklist {record['id']} ITEM yes|no|na [--note TEXT]")


def _person(typed: str) -> dict[str, str]:
    """NAME[:ROLE[:ORGANISATION]] as someone present."""
    name, role, organisation = (typed.split(":", 2) + ["", ""])[:3]
    return {"name": name.strip(), "role": role.strip(), "organisation": organisation.strip()}


@click.command()
@INSPECTION
@click.option("--findings", default=None, help="The findings (replace what was written).")
@click.option("--ended-at", default=None, help="When the inspection ended: ISO time or now.")
@click.option("--person", "people", multiple=True, metavar="NAME[:ROLE[:ORGANISATION]]",
              help="Someone present (the list given replaces the record's). Repeatable.")
@click.option("--reason", default=None, help="Why a submitted record is corrected.")
@click.pass_context
def edit(ctx: click.Context, inspection_id: str, findings: str | None, ended_at: str | None,
         people: tuple[str, ...], reason: str | None) -> None:
    """Change the findings, end time or people present of a record (queued)."""
    changes: dict[str, Any] = {
        **({"findings": findings} if findings is not None else {}),
        **({"ended_at": moment(ended_at)} if ended_at else {}),
        **({"people_present": [_person(p) for p in people]} if people else {})}
    if not changes:
        raise BadInput("Nothing to change: give --findings, --ended-at or --person.")
    with open_tablet(ctx) as tablet:
        tablet.edit_inspection(inspection_id, changes, reason)
    click.echo(f"{', '.join(changes)} changed (queued for the next push)")


@click.command()
@INSPECTION
@click.option("--role", required=True, type=click.Choice(["officer", "party", "witness"]))
@click.option("--name", default=None,
              help="Who signs; an officer also by username (`officers`).")
@click.option("--user-id", default=None, help="An officer's user id (`officers`).")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The signature as drawn on the pad (captured now).")
@click.option("--refused", is_flag=True, help="They refused to sign: give the --reason.")
@click.option("--reason", default=None, help="Why they refused, as they said it.")
@click.pass_context
def sign(ctx: click.Context, inspection_id: str, role: str, name: str | None,
         user_id: str | None, image: Path | None, refused: bool, reason: str | None) -> None:
    """Sign the record: an officer or the party (or a witness) with the image drawn on the pad,
    or the party's refusal to sign with its reason (queued)."""
    if image is not None and refused:
        raise BadInput("A refusal has no signature image: give --image or --refused.")
    if image is None and not refused:
        raise BadInput("Give the signature --image, or --refused with the --reason.")
    if reason is not None and not refused:
        raise BadInput("--reason is the reason of a refusal: it goes with --refused.")
    with open_tablet(ctx) as tablet:
        key = tablet.sign_on_site(inspection_id, role, name, user_id=user_id, image=image,
                                  refusal_reason=(reason or "") if refused else None)
        signed = tablet.store.record_of("signature", key)[1]
        item = tablet.store.evidence_item(signed.get("evidence_sha256") or "")
    what = "refused to sign" if refused else "signed"
    click.echo(f"{signed['signer']} ({role}) {what} (queued for the next push)")
    if item is not None and (note := kind_note(item, "signature")):
        _note(note)
    warn_undecoded([image] if image is not None else [])


@click.command()
@INSPECTION
@click.option("--ended-at", default=None,
              help="When the inspection ended (ISO time); by default now, unless it ended.")
@click.option("--yes", is_flag=True, help="Submit though photos captured for it are cited by "
                                          "nothing (without asking).")
@click.pass_context
def submit(ctx: click.Context, inspection_id: str, ended_at: str | None, yes: bool) -> None:
    """Submit the record once two officers and the party signed (or the party refused): it is
    then only corrected, never edited (queued for the next push). Asks first while photos
    captured for it are cited by nothing, unless --yes."""
    with open_tablet(ctx) as tablet:
        tablet.inspection(inspection_id)  # a record it holds, before anything is asked
        uncited = tablet.uncited(inspection_id)
        if uncited and not yes:
            for line in uncited_lines(inspection_id, uncited):
                click.echo(line, err=True)
            click.confirm("Submit anyway? They would reach no record", abort=True, err=True)
        tablet.submit(inspection_id, moment(ended_at))
    click.echo("submission queued for the next push")


@click.command("link-photo")
@click.argument("ref", metavar="FILE|SHA256")
@click.option("--violation", "violation_id", required=True, help="The violation citing it.")
@click.pass_context
def link_photo(ctx: click.Context, ref: str, violation_id: str) -> None:
    """Cite a photo on a violation: one captured before (its digest, or its first digits, as
    add-photo printed it) or a file (captured now); queued for the next push."""
    with open_tablet(ctx) as tablet:
        held = tablet.store.record_of("violation", violation_id)
        if held is None:  # its link would wait for it on the server forever
            raise BadInput(f"No violation {violation_id} on this tablet: check the id, or "
                           "pull first")
        files, digests = _cited(tablet, (ref,))
        item = tablet.add_photo(files[0], violation_id) if files else None
        sha256 = item.sha256 if item else digests[0]
        if not files:
            if sha256 in (held[1].get("evidence") or ()):
                click.echo(f"{sha256} is cited on violation {violation_id} already")
                return
            tablet.link_photo(violation_id, sha256)
    click.echo(f"{sha256} cited on violation {violation_id} (queued for the next push)")
    if item is not None and (note := kind_note(item, "photo")):
        _note(note)
    if item is not None and item.kind in IMAGE_KINDS:  # a document kept as one is no image
        warn_undecoded(files)


@click.command("remove-photo")
@click.argument("ref", metavar="FILE|SHA256")
@click.option("--violation", "violation_id", required=True,
              help="The violation that cites it by mistake.")
@click.pass_context
def remove_photo(ctx: click.Context, ref: str, violation_id: str) -> None:
    """Stop citing a photo on a violation (cited by mistake): the file, or its digest (or its
    first digits, as add-photo printed it; also of a photo another tablet captured); queued
    for the next push. A photo not sent yet that nothing else cites is then not sent:
    `link-photo` cites it again."""
    with open_tablet(ctx) as tablet:
        sha256 = file_digest(ref) if Path(ref).is_file() else tablet.cited_on(violation_id, ref)
        item = tablet.remove_photo(violation_id, sha256)
        still = tablet.citing(sha256)
    click.echo(f"{sha256} removed from violation {violation_id} (queued for the next push)")
    if item is None:
        return
    name = f"{item.filename or ''} ({sha256[:12]})".lstrip()
    if item.state == "cancelled":
        _note(f"{name} was not sent yet and nothing else cites it: its upload is cancelled, "
              f"so it is not sent; `link-photo {sha256[:12]} --violation VIOLATION` cites it "
              "again and sends it")
    elif item.state == "pending" and still:
        _note(f"{name} is still sent: violation {', '.join(still)} cites it")
    elif item.state == "uploaded":
        _note(f"{name} was sent already: it stays on the server (evidence is kept as "
              "uploaded), no longer cited on this violation")


@click.command()
@click.argument("task_id", metavar="TASK")
@click.argument("step", type=click.Choice(["start", "submit"]))
@click.pass_context
def task(ctx: click.Context, task_id: str, step: str) -> None:
    """Start a task on arrival, or submit it once its visit is done (queued)."""
    with open_tablet(ctx) as tablet:
        tablet.move_task(task_id, {"start": "in_progress", "submit": "submitted"}[step])
    click.echo(f"task {step} queued for the next push")


@click.command("refresh-officers")
@INSPECTION
@click.pass_context
def refresh_officers(ctx: click.Context, inspection_id: str) -> None:
    """Send the record's officers again so it shows their certificates as the server holds
    them now (after a renewal: `pull` first); refused while one has still expired (queued)."""
    with open_tablet(ctx) as tablet:
        officers = tablet.refresh_officers(inspection_id)
    for officer in officers:
        click.echo(f"{officer.get('name') or officer['id']} "
                   f"{officer.get('certificate_no') or '(certificate not pulled)'} until "
                   f"{officer.get('certificate_expires') or '?'}")
    click.echo("officers queued to be refreshed on the record at the next push")


COMMANDS = (add_violation, checklist, edit, link_photo, refresh_officers, remove_photo, sign,
            submit, task)
