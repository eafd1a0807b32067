"""Passwords for `login`: typed at a terminal (never shown) or piped on standard input; never
echoed, logged or kept. Without either, `login` says how to give one and exits with status 2."""

from __future__ import annotations

import sys

import click

from offline_sync.cli_base import BadInput

NO_PASSWORD = ("Not signed in: no password was given. Give it with --password, type it when "
               "asked by running `login` in a terminal (it is not shown), or pipe it on "
               "standard input")
NO_NEW_PASSWORD = ("Not signed in: the password must be changed first. Run `login` again with "
                   "--new-password NEW (at least 12 characters, no space at either end, not "
                   "the current one), or type it when asked")


def typed(label: str, twice: bool = False) -> str | None:
    """A password typed at the terminal without echo (`twice`: typed again to confirm it), or
    the next line piped on standard input; None when there is neither (no standard input, or
    it ended, or the prompt was interrupted)."""
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        return None
    if not stdin.isatty():  # a pipe: nothing typed to echo, nobody to ask twice
        return stdin.readline().rstrip("\r\n") or None
    try:
        return click.prompt(label, hide_input=True, confirmation_prompt=twice, err=True)
    except click.Abort:
        return None


def password(given: str | None) -> str:
    """The password of `login`: as given, else typed or piped; BadInput saying how to give
    it when there is none."""
    found = given if given is not None else typed("Password")
    if found is None:
        raise BadInput(NO_PASSWORD)
    return found


def new_password() -> str:
    """The new password replacing a temporary one, typed twice or piped; BadInput saying how
    to give it when there is none."""
    found = typed("New password", twice=True)
    if found is None:
        raise BadInput(NO_NEW_PASSWORD)
    return found
