"""``flask suyuan ...`` commands: deploy-time set-up and demo data."""

from __future__ import annotations

import json
import os
import secrets

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.extensions import db
from app.models import SuyuanUser
from app.security import ROLE_ADMIN, new_public_id, sync_roles


def register_cli(app: Flask) -> None:
    app.cli.add_command(suyuan)


@click.group()
def suyuan():
    """Suyuan set-up and maintenance commands."""


@suyuan.command("init")
def init_command():
    """Create roles and permissions from code. Run after every deploy; safe to repeat."""
    sync_roles(current_app.appbuilder)
    click.echo("Roles and permissions are up to date.")


@suyuan.command("create-admin")
@click.option("--username", default="admin", show_default=True, help="Login name of the admin.")
@click.option("--email", default="admin@example.com", show_default=True, help="E-mail of the admin.")
def create_admin_command(username: str, email: str):
    """Create the platform admin if missing.

    The password comes from SUYUAN_ADMIN_PASSWORD, or a random one is printed once.
    """
    password, created = ensure_admin(username, email)
    if not created:
        click.echo(f"Admin {username!r} already exists; password unchanged.")
    elif os.environ.get("SUYUAN_ADMIN_PASSWORD"):
        click.echo(f"Admin {username!r} created with the password from SUYUAN_ADMIN_PASSWORD.")
    else:
        click.echo(f"Admin {username!r} created. Password (shown once): {password}")


def ensure_admin(username: str = "admin", email: str = "admin@example.com") -> tuple[str | None, bool]:
    """Create the admin account unless it exists; return (password, created)."""
    existing = db.session.scalar(select(SuyuanUser).where(SuyuanUser.username == username))
    if existing is not None:
        return None, False
    password = os.environ.get("SUYUAN_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    sm = current_app.appbuilder.sm
    role = sm.find_role(ROLE_ADMIN)
    if role is None:
        raise click.ClickException("The Admin role is missing: run `flask suyuan init` first.")
    user = sm.add_user(username, "Platform", "Admin", email, role, password=password, commit=False)
    if not user:
        raise click.ClickException(f"Could not create the admin {username!r}.")
    user.public_id = new_public_id()
    db.session.commit()
    return password, True


@suyuan.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the logins and scan URLs as one JSON object.")
def demo_command(as_json: bool):
    """Create demo enterprises, logins, products and codes (skipped when present)."""
    from app.demo import create_demo_data

    result = create_demo_data()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo("Demo logins:")
    for login in result["logins"]:
        enterprise = login["enterprise"] or ""
        click.echo(f"  {login['role']:<12} {login['username']:<14} {login['password']:<16} {enterprise}")
    if result["scan_urls"]:
        click.echo("Scan URLs:")
        for url in result["scan_urls"]:
            click.echo(f"  {url}")
