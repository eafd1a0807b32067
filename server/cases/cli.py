"""CLI: `flask casefile verify FILE.zip [--public-key PEM]` checks an exported case file;
`flask casefile keys` lists the keys it verifies with, and the public ones as PEM."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from server.cases import casefile, casefile_keys

casefile_cli = AppGroup("casefile", help="Exported case files (案卷).")


def _signer(key: casefile_keys.Key) -> str:
    if key.algorithm == casefile.ALGORITHM_V1:
        made = "a retired secret" if key.retired else "the current secret"
        return f"casefile/v1 HMAC key {key.key_id} of {made}"
    return f"retired key {key.key_id}" if key.retired else f"current key {key.key_id}"


def _ring(public_key: str | None) -> dict[str, casefile_keys.Key]:
    """The keys to verify with: the one PEM given (no secret needed), else the server's."""
    if public_key is None:
        return casefile_keys.keyring(current_app.config)
    try:
        key = casefile_keys.from_pem(Path(public_key).read_bytes())
    except (OSError, ValueError) as error:
        raise click.BadParameter(str(error), param_hint="--public-key") from error
    return {key.key_id: key}


@casefile_cli.command("verify")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--public-key", type=click.Path(dir_okay=False), default=None,
              help="Verify a casefile/v2 file with this Ed25519 public key (PEM) alone.")
def verify_casefile(path: str, public_key: str | None) -> None:
    """Exit 0 for an intact case file; else 1, naming each missing, extra or altered member."""
    ring = _ring(public_key)
    report = casefile.verify(path, casefile_keys.verifiers(ring))
    if report.ok:
        key = ring[report.key_id]
        signer = f"key {key.key_id} in {public_key}" if public_key else _signer(key)
        click.echo(f"case file intact ({report.format}): {report.checked} members and the "
                   f"{key.algorithm} signature verified (signed with the {signer})")
        if key.retired and key.algorithm == casefile.ALGORITHM:
            click.echo(f"the {_signer(key)} is kept in CASEFILE_RETIRED_KEYS to verify copies "
                       "signed before a rotation; new case files are signed with key "
                       f"{casefile_keys.current(current_app.config).key_id}")
        return
    for problem in report.problems:
        click.echo(problem, err=True)
    if report.key_id and report.key_id not in ring:
        click.echo(_unknown(report, ring, public_key), err=True)
    sys.exit(1)


def _unknown(report: casefile.Report, ring: dict[str, casefile_keys.Key],
             public_key: str | None) -> str:
    """What to do about a key id the verifier does not know."""
    if public_key is None:
        return (f"key {report.key_id} is not one this server knows (flask casefile keys): if "
                "it signed case files before a rotation, add the secret it was derived from "
                "to CASEFILE_RETIRED_KEYS; if it never existed, the manifest was altered")
    [given] = ring
    if report.format == casefile.FORMAT_V1:
        return (f"this is a casefile/v1 file, signed with HMAC-SHA256 under key "
                f"{report.key_id}: only the server holding its secret verifies it (flask "
                "casefile verify without --public-key)")
    return (f"the manifest names key {report.key_id}; the public key in {public_key} is key "
            f"{given}: get key {report.key_id} from the bureau ({casefile.KEYS_PATH})")


def _dated(shown: dict[str, str | None]) -> str:
    """When a listed key signed and was retired, as recorded (CASEFILE_KEY_DATES)."""
    said = [f"signing since {shown['signing_since']}"] if shown["signing_since"] else []
    if shown["status"] == "retired":
        said.append(f"retired {shown['retired_at']}" if shown["retired_at"] else
                    "retired since an unrecorded date (CASEFILE_KEY_DATES)")
    return f" {', '.join(said)}" if said else ""


@casefile_cli.command("keys")
def list_keys() -> None:
    """The keys case files are verified with: the current one signs; the Ed25519 ones with
    their public key (PEM), as GET /api/v1/casefile/keys publishes them; no secret."""
    dates = casefile_keys.key_dates(current_app.config)
    for key in casefile_keys.published(current_app.config):
        shown = casefile_keys.describe(key, dates)
        click.echo(f"{shown['status']} {key.key_id} {key.algorithm}{_dated(shown)}")
        click.echo(shown["public_key_pem"], nl=False)
    ring = casefile_keys.keyring(current_app.config).values()
    for key in sorted((k for k in ring if k.algorithm == casefile.ALGORITHM_V1),
                      key=lambda k: (k.retired, k.key_id)):
        made = "a retired secret" if key.retired else "the current secret"
        click.echo(f"v1 {key.key_id} {key.algorithm} of {made} (verifies casefile/v1 files "
                   "only, with the secret; never published)")
