"""CLI: `flask casefile verify FILE.zip` checks an exported case file; `flask casefile keys`
lists the ids of the keys it verifies with."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from server.cases import casefile, casefile_keys

casefile_cli = AppGroup("casefile", help="Exported case files (案卷).")


def _signer(key: casefile_keys.Key) -> str:
    return f"retired key {key.key_id}" if key.retired else f"current key {key.key_id}"


@casefile_cli.command("verify")
@click.argument("path", type=click.Path(dir_okay=False))
def verify_casefile(path: str) -> None:
    """Exit 0 for an intact case file; else 1, naming each missing, extra or altered member."""
    ring = casefile_keys.keyring(current_app.config)
    report = casefile.verify(path, {key_id: key.value for key_id, key in ring.items()})
    if report.ok:
        key = ring[report.key_id]
        click.echo(f"case file intact: {report.checked} members and the signature verified "
                   f"(signed with the {_signer(key)})")
        if key.retired:
            click.echo(f"the {_signer(key)} is kept in CASEFILE_RETIRED_KEYS to verify copies "
                       "signed before a rotation; new case files are signed with key "
                       f"{casefile_keys.current(current_app.config).key_id}")
        return
    for problem in report.problems:
        click.echo(problem, err=True)
    if report.key_id and report.key_id not in ring:
        click.echo(f"key {report.key_id} is not one this server knows (flask casefile keys): "
                   "if it signed case files before a rotation, add the secret it was derived "
                   "from to CASEFILE_RETIRED_KEYS; if it never existed, the manifest was "
                   "altered", err=True)
    sys.exit(1)


@casefile_cli.command("keys")
def list_keys() -> None:
    """The ids of the keys case files are verified with: the current one signs (no secrets)."""
    for key in sorted(casefile_keys.keyring(current_app.config).values(),
                      key=lambda k: (k.retired, k.key_id)):
        click.echo(f"{'retired' if key.retired else 'current'} {key.key_id}")
