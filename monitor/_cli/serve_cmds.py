"""``monitor serve`` (the web dashboard) and ``monitor user add|list|remove|password`` (its users)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monitor._cli.app import app
from monitor._cli.common import (
    ConfigOpt,
    DbOpt,
    console,
    err_console,
    escape,
    handle_errors,
    open_index,
    resolve_config,
)
from monitor._web.settings import WebSettings
from monitor.errors import ConfigError, InvalidArgument

if TYPE_CHECKING:
    from monitor._api import MentionIndex

user_app = typer.Typer(help="People who may log in to the dashboard (monitor serve).", no_args_is_help=True)
app.add_typer(user_app, name="user")

DEMO_USER = "demo"
ROLE_HELP = "viewer (reads), editor (also relabels), admin (everything)."


@app.command("serve")
@handle_errors
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8765, "--port", help="Port to listen on."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    read_only_no_auth: bool = typer.Option(
        False, "--read-only-no-auth", help="Serve read-only without a login (loopback addresses only)."
    ),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies", help="Mark the session cookie Secure (the dashboard is reached over TLS)."
    ),
    trust_forwarded_proto: bool = typer.Option(
        False,
        "--trust-forwarded-proto",
        help="Believe a proxy's X-Forwarded-Proto: https (only when that proxy is the sole way in).",
    ),
) -> None:
    """Serve the web dashboard: overview, brands, mentions (filter, relabel), sources, model."""
    from monitor._store.accounts import Accounts

    settings = WebSettings(
        host=host,
        no_auth=read_only_no_auth,
        secure_cookies=secure_cookies,
        trust_forwarded_proto=trust_forwarded_proto,
    ).check()
    check_port_free(host, port)
    idx = open_index(config, db)
    try:
        if not settings.no_auth and not Accounts(idx.engine).users():
            err_console.print(
                "[yellow]no dashboard user yet:[/] add one with `monitor user add NAME --role admin`, "
                "or serve read-only with --read-only-no-auth"
            )
        run_dashboard(idx, settings, port)
    finally:
        idx.close()


def check_port_free(host: str, port: int) -> None:
    """:class:`ConfigError` unless ``host:port`` can be listened on now (a port in use, a wrong address)."""
    from monitor._web.server import try_bind

    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port}: expected 1 to 65535")
    problem = try_bind(host, port)
    if problem:
        raise ConfigError(f"cannot listen on {host} port {port} ({problem}): pick another with --port")


def dashboard_url(host: str, port: int) -> str:
    """The address a browser opens, printable."""
    return escape(f"http://{f'[{host}]' if ':' in host else host}:{port}/")


def run_dashboard(idx: MentionIndex, settings: WebSettings, port: int, *, login: str = "") -> None:
    """Serve the dashboard over ``idx`` until SIGTERM or Ctrl-C (then return: exit code 0)."""
    from monitor._web import create_app
    from monitor._web.server import serve_until_stopped

    console.print(f"dashboard on {dashboard_url(settings.host, port)} (Ctrl-C stops it)", highlight=False)
    if login:
        console.print(login, highlight=False)
    stopped_by = serve_until_stopped(create_app(idx, settings), settings.host, port)
    if stopped_by:
        console.print(f"{stopped_by}: the dashboard stopped", highlight=False)


def serve_demo(config: Path, port: int) -> None:
    """``monitor demo --serve``: the demo's database in the dashboard, with a fresh demo user."""
    import secrets

    from monitor._store.accounts import Accounts
    from monitor._web.passwords import hash_password

    settings = WebSettings(host="127.0.0.1").check()
    password = secrets.token_urlsafe(12)
    with open_index(config) as idx:
        accounts = Accounts(idx.engine)
        accounts.remove_user(DEMO_USER)  # the demo's database is new each run; be sure anyway
        accounts.add_user(DEMO_USER, "admin", hash_password(password), at=datetime.now(UTC))
        login = (
            f"log in as [bold]{DEMO_USER}[/] with the password [bold]{password}[/] (may relabel the demo's mentions)"
        )
        run_dashboard(idx, settings, port, login=login)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise InvalidArgument("no terminal to ask the password on: pipe it in with --password-stdin")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
@handle_errors
def user_add(
    name: str = typer.Argument(..., help="The login name."),
    role: str = typer.Option("viewer", "--role", help=ROLE_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Add a dashboard user (the password is asked for, or read with --password-stdin)."""
    from monitor._api import MentionIndex
    from monitor._store.accounts import ROLES, Accounts
    from monitor._web.passwords import check_name, check_password, hash_password

    check_name(name)
    if role not in ROLES:
        raise InvalidArgument(f"--role {role!r}: expected {', '.join(ROLES)}")
    cfg = resolve_config(config, db)  # no project: say so before asking for a password
    password = check_password(_read_password(password_stdin))
    with MentionIndex.open(cfg) as idx:
        Accounts(idx.engine).add_user(name, role, hash_password(password), at=datetime.now(UTC))
    console.print(f"added user {escape(name)} ({role})", highlight=False)


@user_app.command("password")
@handle_errors
def user_password(
    name: str = typer.Argument(..., help="The login name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Give a user a new password (its open sessions are logged out)."""
    from monitor._api import MentionIndex
    from monitor._store.accounts import Accounts
    from monitor._web.passwords import check_password, hash_password

    cfg = resolve_config(config, db)  # no project: say so before asking for a password
    password = check_password(_read_password(password_stdin))
    with MentionIndex.open(cfg) as idx:
        if not Accounts(idx.engine).set_password(name, hash_password(password)):
            raise InvalidArgument(f"no user {name!r} (see `monitor user list`)")
    console.print(f"new password set for {escape(name)}", highlight=False)


@user_app.command("list")
@handle_errors
def user_list(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """List the dashboard users and their roles."""
    from monitor._store.accounts import Accounts

    with open_index(config, db) as idx:
        users = Accounts(idx.engine).users()
    if as_json:
        sys.stdout.write(json.dumps([u.to_dict() for u in users], indent=2) + "\n")
        return
    if not users:
        console.print("no user yet: add one with `monitor user add NAME --role admin`", highlight=False)
    for u in users:
        console.print(f"{escape(u.name):<24} {u.role:<7} added {u.created_at:%Y-%m-%d %H:%M} UTC", highlight=False)


@user_app.command("remove")
@handle_errors
def user_remove(
    name: str = typer.Argument(..., help="The login name."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Remove a dashboard user (its sessions end at once)."""
    from monitor._store.accounts import Accounts

    with open_index(config, db) as idx:
        if not Accounts(idx.engine).remove_user(name):
            raise InvalidArgument(f"no user {name!r} (see `monitor user list`)")
    console.print(f"removed user {escape(name)}", highlight=False)
