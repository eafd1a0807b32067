"""What every command of the command-line tablet shares: opening the tablet of --home, and
turning the engine's failures into messages for the inspector with the right exit status."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from offline_sync.engine import Tablet, owed_text
from offline_sync.errors import (
    Invalid,
    NewerStore,
    Offline,
    SyncError,
    Unauthorized,
    describe,
)
from offline_sync.files import EvidenceItem
from offline_sync.names import enterprise_name
from offline_sync.position import decode_problem


class BadInput(click.ClickException):
    """Input refused before anything was recorded: exit status 2, as for a usage error."""

    exit_code = 2

    def __init__(self, message: str):
        said = message if message.endswith(".") else f"{message}."
        super().__init__(f"{said} Nothing was recorded.")


@contextmanager
def open_tablet(ctx: click.Context) -> Iterator[Tablet]:
    """The tablet of --home; the engine's failures become messages for the inspector."""
    try:
        tablet = ctx.obj["tablet"](ctx.obj["home"])
    except NewerStore as error:  # a downgraded tablet: its store is left as it is
        raise click.ClickException(str(error)) from error
    try:
        yield tablet
    except Invalid as error:
        raise BadInput(str(error)) from error
    except Offline as error:
        raise click.ClickException(
            f"The server {ctx.params.get('server') or tablet.store.get('server')} is out of "
            f"reach or not answering "
            f"({error}). {waiting(tablet)}Try again when the network is back.") from error
    except Unauthorized as error:
        if ctx.info_name == "login":  # a wrong password, not a tablet signed out
            raise click.ClickException(str(error)) from error
        raise click.ClickException(
            f"The server no longer accepts this tablet's sign-in ({describe(error.problem)}): "
            f"run `login` again. {waiting(tablet)}") from error
    except SyncError as error:
        raise click.ClickException(str(error)) from error
    finally:
        tablet.close()


def waiting(tablet: Tablet) -> str:
    """What stays on the tablet for later, in words ('' when nothing does)."""
    if not any(tablet.owed()):
        return ""
    return f"Nothing is lost: {owed_text(*tablet.owed())} wait on this tablet. "


def shown(value: str | None) -> str:
    """A stored time (ISO 8601, often UTC) as the inspector reads it: this machine's local
    time to the minute, with its offset (2026-06-01 16:30 +08:00); '—' for none."""
    if not value:
        return "—"
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)  # not a time: as stored, never hidden
    local = at.astimezone() if at.tzinfo is not None else at
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M") + (f" {offset[:3]}:{offset[3:]}" if offset else "")


def moment(value: str | None) -> str | None:
    """A time as typed (ISO 8601, or 'now') with its UTC offset: one typed without an offset
    is this machine's local time. BadInput for what is not a time."""
    if value is None:
        return None
    try:
        typed = datetime.now() if value == "now" else datetime.fromisoformat(value)
    except ValueError as error:
        raise BadInput(f"{value} is not a time (e.g. 2026-06-01T16:30 or now).") from error
    return typed.astimezone().isoformat() if typed.tzinfo is None else typed.isoformat()


def tally(counts: dict[str, int]) -> str:
    """Counts by kind in words ("4 applied, 1 conflict"), the empty ones left out; "none"."""
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "none"


def short(value: Any, width: int) -> str:
    """Text cut to `width` characters (with … when cut)."""
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def location_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--lat, --lon, --accuracy and --crs, handed to the command as one `position`
    ({lat, lon, crs[, accuracy_m]}, or None when no position is typed)."""
    options = [
        click.option("--lat", type=float, default=None, help=f"{what}: latitude, degrees."),
        click.option("--lon", type=float, default=None, help=f"{what}: longitude, degrees."),
        click.option("--accuracy", type=float, default=None, help="Its accuracy, metres."),
        click.option("--crs", type=click.Choice(["wgs84", "gcj02"]), default="wgs84",
                     show_default=True, help="wgs84 (GNSS), or gcj02 as map apps give it."),
    ]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def with_position(*args: Any, lat: float | None, lon: float | None,
                          accuracy: float | None, crs: str, **kwargs: Any) -> Any:
            if (lat is None) != (lon is None):
                raise BadInput("Give both --lat and --lon, or neither.")
            position = None if lat is None else {
                "lat": lat, "lon": lon, "crs": crs,
                **({"accuracy_m": accuracy} if accuracy is not None else {})}
            return command(*args, position=position, **kwargs)

        for option in reversed(options):
            with_position = option(with_position)
        return with_position

    return decorate


IMAGE_KINDS = ("photo", "signature")


def warn_undecoded(paths: list[Path]) -> None:
    """On stderr, for each captured image that does not decode, that it should be taken again
    (the server refuses it or keeps it flagged undecodable)."""
    for path in paths:
        if (problem := decode_problem(path)) is not None:
            click.echo(f"warning: {path.name} does not decode as an image ({problem}): the "
                       "server will refuse it or keep it flagged undecodable; take it again "
                       "if you can", err=True)


def kind_note(item: EvidenceItem, wanted: str) -> str | None:
    """What a file captured as `wanted` is kept as, when the same bytes were captured before
    as another kind (the server keeps one kind per file); None when it is what was wanted."""
    if item.kind == wanted:
        return None
    said = (f"note: {item.filename or ''} ({item.sha256[:12]}) has the same bytes as a "
            f"{item.kind} captured before: it {'was' if item.state == 'uploaded' else 'is'} "
            f"sent and kept on the server as a {item.kind} (one kind per file)")
    if wanted == "signature":
        return f"{said}; the record's signature names it all the same"
    if wanted == "photo":
        return f"{said}, which does not check its place and time as a photo's"
    return said


def uncited_lines(inspection_id: str, items: list[EvidenceItem]) -> list[str]:
    """Files captured for a record that nothing cites, and how to cite them ([] for none)."""
    if not items:
        return []
    lines = [f"  warning: {len(items)} photo{'' if len(items) == 1 else 's'} captured for "
             f"inspection {inspection_id} {'is' if len(items) == 1 else 'are'} cited by "
             "nothing: on the server no record, gallery or case file would show "
             f"{'it' if len(items) == 1 else 'them'}"]
    lines += [f"    {item.filename or '?'} ({item.sha256[:12]}): cite it with `link-photo "
              f"{item.sha256[:12]} --violation VIOLATION` (or `add-violation {inspection_id} "
              f"--photo {item.sha256[:12]} …`)" for item in items]
    return lines


def kept_line(tablet: Tablet, item: EvidenceItem, wanted: str | None,
              open_records: list[str] | None) -> str:
    """Which record a captured file is kept for, in words; `open_records` when the tablet
    chose it (the open record started last), else None (given, or the violation's)."""
    if item.inspection_id is None:
        return ("kept for no inspection record (none is open on this tablet): nothing cites "
                "it until `link-photo` cites it on a violation")
    held = tablet.store.record_of("inspection", item.inspection_id)
    data = held[1] if held else {}
    known = enterprise_name(tablet.store, data.get("enterprise_id"))
    name = f"{known}, " if known else ""
    started = shown(data.get("started_at"))
    said = f"kept for inspection {item.inspection_id} ({name}started {started})"
    if item.inspection_id != wanted:
        return f"{said}: the same file was captured before, for that record"
    if open_records is None:
        return said
    others = len(open_records) - 1
    if not others:
        return f"{said}: the open record started last"
    return (f"{said}: the open record started last, of {others + 1} open; give --inspection "
            "INSPECTION to keep it for another")
