"""CLI: `flask backup DEST` and `flask restore SRC [--force]` (see server/backup.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from server import backup as backups


def _fail(error: backups.BackupError) -> None:
    for problem in error.problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(1)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Copy the database and the evidence store into the new folder DEST, with a manifest."""
    try:
        manifest = backups.backup(dest)
    except backups.BackupError as error:
        _fail(error)
    files = manifest["files"]
    click.echo(f"backup written to {dest}: {len(files)} files, "
               f"{sum(f['size'] for f in files):,} bytes, database {manifest['database']}")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(src: Path, force: bool) -> None:
    """Verify the backup in SRC against its manifest, then restore it into this instance."""
    try:
        manifest = backups.restore(src, force=force)
    except backups.BackupError as error:
        _fail(error)
    click.echo(f"restored {len(manifest['files'])} files from the backup of "
               f"{manifest['created_at']}; now run `flask audit verify`")
