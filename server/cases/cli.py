"""CLI: `flask casefile verify FILE.zip` checks an exported case file."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from server.cases import casefile, exports

casefile_cli = AppGroup("casefile", help="Exported case files (案卷).")


@casefile_cli.command("verify")
@click.argument("path", type=click.Path(dir_okay=False))
def verify_casefile(path: str) -> None:
    """Exit 0 for an intact case file; else 1, naming each missing, extra or altered member."""
    key, _key_id = exports.signing_key()
    report = casefile.verify(path, key)
    if report.ok:
        click.echo(f"case file intact: {report.checked} members and the signature verified")
        return
    for problem in report.problems:
        click.echo(problem, err=True)
    sys.exit(1)
