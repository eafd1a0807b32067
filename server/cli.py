"""Command line: users, audit, enterprises, districts, demo data."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from server.audit import service as audit
from server.auth import accounts
from server.auth import service as auth
from server.auth.models import User
from server.errors import DomainError
from server.extensions import db

users_cli = AppGroup("users", help="Manage users.")
audit_cli = AppGroup("audit", help="The audit chain.")
enterprises_cli = AppGroup("enterprises", help="The enterprise register.")
districts_cli = AppGroup("districts", help="District outlines.")
demo_cli = AppGroup("demo", help="Demo data.")
rules_cli = AppGroup("rules", help="Rule-set versions.")


def _fail(error: DomainError) -> None:
    click.echo(f"error: {error.detail}", err=True)
    for field, messages in (error.errors or {}).items():
        click.echo(f"  {field}: {messages}", err=True)
    sys.exit(1)


def _admin_actor(username: str | None):
    """CLI actions are attributed to a named admin when given, else to the system."""
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.BadParameter(f"no user {username!r}", param_hint="--as")
    return auth.system_actor(user, device_id="cli")


ROLE_CHOICE = click.Choice(["inspector", "supervisor", "legal", "admin"])
TEMPORARY = ("the password is temporary: its user must change it at the next sign-in "
             "(console, POST /api/v1/auth/password, or the tablet's login --new-password)")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=ROLE_CHOICE)
@click.option("--district", required=True, help="District code, or 310000 for the city.")
@click.option("--display-name", default=None)
@click.option("--certificate-no", default=None, help="Enforcement certificate (执法证号).")
@click.option("--certificate-expires", default=None, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(username, role, district, display_name, certificate_no, certificate_expires,
                password_stdin):
    """Create a user (prints a generated password unless --password-stdin); the password is
    temporary: the user changes it at the first sign-in."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    expires: date | None = certificate_expires.date() if certificate_expires else None
    try:
        user, generated = accounts.create_account(None, {
            "username": username, "role": role, "district": district,
            "display_name": display_name, "certificate_no": certificate_no,
            "certificate_expires": expires}, password)
    except DomainError as error:
        _fail(error)
    click.echo(f"created {user.username} ({user.role}, {user.district})")
    if generated:
        click.echo(f"password: {generated}  (shown once)")
    click.echo(TEMPORARY)


@users_cli.command("list")
def list_users():
    """List users."""
    for user in auth.list_users():
        state = "active" if user.active else "disabled"
        click.echo(f"{user.username}\t{user.role}\t{user.district}\t{state}\t{user.display_name}")


@users_cli.command("update")
@click.argument("username")
@click.option("--display-name", default=None)
@click.option("--role", default=None, type=ROLE_CHOICE,
              help="A new role ends the user's tokens.")
@click.option("--district", default=None,
              help="Move to a district (or 310000); ends the user's tokens.")
@click.option("--certificate-no", default=None, help="Renewed certificate (执法证号).")
@click.option("--certificate-expires", default=None, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--enable/--disable", "active", default=None,
              help="Enable or disable the account (disabling ends its tokens).")
def update_user(username, display_name, role, district, certificate_no, certificate_expires,
                active):
    """Change a user: renew the certificate, move, rename, change the role, enable."""
    changes = {"display_name": display_name, "role": role, "district": district,
               "certificate_no": certificate_no, "active": active,
               "certificate_expires": certificate_expires.date() if certificate_expires
               else None}
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give at least one option")
    try:
        user = accounts.by_username(username)
        before = user.version
        user = accounts.update_user(None, user.id, None, changes)
    except DomainError as error:
        _fail(error)
    fields = ", ".join(sorted(changes)) if user.version != before else "nothing changed"
    click.echo(f"updated {user.username}: {fields} (version {user.version})")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def reset_password(username, password_stdin):
    """Set a temporary password (prints a generated one unless --password-stdin), which the user
    changes at the next sign-in; ends all tokens."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        reset = accounts.reset_password(None, accounts.by_username(username).id, password)
    except DomainError as error:
        _fail(error)
    click.echo(f"password of {username} reset; {reset.revoked_tokens} token(s) ended")
    if reset.generated_password:
        click.echo(f"password: {reset.generated_password}  (shown once)")
    click.echo(TEMPORARY)


@users_cli.command("disable")
@click.argument("username")
def disable_user(username):
    """Disable a user and revoke all their tokens."""
    try:
        auth.disable_user(username)
    except DomainError as error:
        _fail(error)
    click.echo(f"disabled {username}")


@audit_cli.command("verify")
def verify_audit():
    """Exit 0 if the chain is intact, else 1 naming the first broken entry."""
    report = audit.verify()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} entries")
        return
    click.echo(f"audit chain BROKEN at entry {report.broken_seq}: {report.reason} "
               f"({report.checked} entries verified before it)", err=True)
    sys.exit(1)


@audit_cli.command("rotate")
def rotate_audit():
    """Move the chain to the current AUDIT_SEAL_KEY now (after a rotation)."""
    try:
        current, old, last = audit.rotate()
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    if old is None:
        click.echo(f"audit chain already sealed under the current key {current}")
        return
    click.echo(f"audit chain moved from the retired key {old} to the current key {current}")
    if last is not None:  # a chain cut back to before an earlier rotation looks the same
        click.echo(f"its last entry before the move: {last.seq}, {last.action} at "
                   f"{last.at.isoformat(timespec='seconds')}; if entries you know of came "
                   "after it, the chain was cut back: restore a backup")


@enterprises_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_user", required=True, help="Username the import is done as.")
@click.option("--valid-only", is_flag=True, help="Import the valid rows, skip the bad ones.")
@click.option("--dry-run", is_flag=True, help="Validate only.")
def import_enterprises(file: Path, as_user: str, valid_only: bool, dry_run: bool):
    """Import enterprises from CSV or GeoJSON; every bad row is reported."""
    from server.registry import bulk
    from server.registry.importer import FileProblem, read_rows

    data = file.read_bytes()
    try:
        total = len(read_rows(data, file.name))
    except FileProblem as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    actor = _admin_actor(as_user)
    mode = "valid_only" if valid_only else "all_or_nothing"
    with click.progressbar(length=total, label="validating", file=sys.stderr) as bar:
        try:
            report = bulk.import_enterprises(actor, data, file.name, mode, dry_run,
                                             progress=bar.update)
        except DomainError as error:
            _fail(error)
    for row in report.rejected:
        for field, messages in row["errors"].items():
            click.echo(f"line {row['line']}: {field}: {'; '.join(map(str, messages))}", err=True)
    click.echo(f"{report.total} rows, {report.imported} imported, "
               f"{len(report.rejected)} rejected{' (dry run)' if dry_run else ''}")
    if report.rejected and mode == "all_or_nothing":
        click.echo("nothing was imported (use --valid-only to import the valid rows)", err=True)
        sys.exit(1)


@districts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="Where the outlines come from (provenance).")
def import_districts(file: Path, source: str):
    """Import official district outlines (GeoJSON FeatureCollection with adcode, name)."""
    from server.registry import districts

    try:
        codes = districts.import_boundaries(json.loads(file.read_text("utf-8")), source)
    except json.JSONDecodeError as error:
        click.echo(f"error: not JSON: {error}", err=True)
        sys.exit(1)
    except DomainError as error:
        _fail(error)
    click.echo(f"imported {len(codes)} districts: {', '.join(codes)}")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
@click.option("--per-district", default=15, show_default=True)
@click.option("--workload/--no-workload", default=True, show_default=True,
              help="Also a demo day's work: a draw, tasks, an inspection, violations, a case.")
def seed_demo(if_empty: bool, per_district: int, workload: bool):
    """Load districts, demo enterprises and one user per role (passwords shown once)."""
    from server.demo import seed
    from server.demo.workload import SeedRefused, make_workload

    if not seed.is_empty():
        if if_empty:
            click.echo("database already has data; demo seed skipped")
            return
        click.echo("error: the database is not empty", err=True)
        sys.exit(1)
    with click.progressbar(length=per_district * 16, label="demo enterprises",
                           file=sys.stderr) as bar:
        result = seed.seed(per_district, progress=bar.update)
    click.echo(f"seeded {result.districts} districts and {result.enterprises} enterprises")
    # Shown before the work: the users are committed, and a refused step must not lose them.
    click.echo("demo users (passwords are shown only now; store them):")
    for username, password in result.passwords.items():
        click.echo(f"  {username:<12} {password}")
    if not workload:
        return
    try:
        work = make_workload(current_app, result.passwords)
    except SeedRefused as error:
        click.echo(f"error: the demo work stopped, the steps before it are kept: {error}",
                   err=True)
        sys.exit(1)
    outcomes = ", ".join(work.violations.values())
    click.echo(f"demo work in {seed.DEMO_DISTRICT}: a draw of {work.drawn_tasks} tasks, a "
               f"complaint task, an inspection record with {len(work.violations)} "
               f"violations (the rules: {outcomes}), a case filed on the fined one, "
               f"{work.conflicts} sync conflict to resolve")


@rules_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_user", default=None, help="Username the import is recorded under.")
@click.option("--dry-run", is_flag=True, help="Validate and show the diff only.")
def import_rules(file: Path, as_user: str | None, dry_run: bool):
    """Import a rule-set version (YAML or JSON): validated, diffed, then stored."""
    import yaml

    from server.rulesets import service

    try:
        document = yaml.safe_load(file.read_text("utf-8"))
    except yaml.YAMLError as error:
        click.echo(f"error: not YAML/JSON: {error}", err=True)
        sys.exit(1)
    try:
        result = service.import_rule_set(_admin_actor(as_user), document, dry_run)
    except DomainError as error:
        _fail(error)
    click.echo(f"{result['ref']} ({result['kind']}, verified={result['verified']}) "
               f"supersedes {result['supersedes'] or 'nothing'}")
    click.echo(result["diff_text"])
    click.echo("stored" if result["stored"] else "dry run: nothing stored")


@rules_cli.command("list")
def list_rules():
    """List rule-set versions."""
    from server.rulesets import service

    for meta in service.rule_book().versions():
        mark = "" if meta.verified else "  [unverified]"
        click.echo(f"{meta.ref}\t{meta.kind}\t{meta.effective_from}..{meta.effective_until or ''}"
                   f"{mark}")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    from server.backup_cli import backup_command, restore_command
    from server.cases.cli import casefile_cli
    from server.sync.cli import sync_cli

    for group in (users_cli, audit_cli, enterprises_cli, districts_cli, demo_cli, rules_cli,
                  casefile_cli, sync_cli, backup_command, restore_command):
        app.cli.add_command(group)
