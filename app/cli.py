"""Command-line tools: ``flask seed``, ``flask users``, plus those domains add."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

seed_cli = AppGroup("seed", help="载入基础数据与演示数据")
users_cli = AppGroup("users", help="用户与 API 令牌")
backup_cli = AppGroup("backup", help="数据库备份")


def seed_base() -> tuple[int, int, int]:
    """Write declared permissions, built-in roles, parameters and dictionaries; safe to repeat."""
    from app.admin import dictionaries, params
    from app.auth import permissions
    from scheduler import runner

    new_perms, new_roles = permissions.sync_catalogue(db.session)
    new_params = params.sync_catalogue(db.session)
    dictionaries.sync_catalogue(db.session)
    runner.sync_catalogue(db.session)
    return new_perms, new_roles, new_params


@seed_cli.command("base")
def seed_base_command() -> None:
    """Sync permissions, built-in roles, system parameters and base-data dictionaries."""
    perms, roles, params = seed_base()
    db.session.commit()
    click.echo(f"基础数据：新增权限 {perms} 个，角色 {roles} 个，参数 {params} 个")


@seed_cli.command("demo")
@click.option("--size", type=click.Choice(["full", "small"]), default="full", help="演示数据量")
def seed_demo_command(size: str) -> None:
    """Load demo orgs, users and domain data once (skipped when already loaded)."""
    from app import demo

    seed_base()
    if demo.is_loaded(db.session):
        db.session.commit()
        click.echo("演示数据已存在，跳过")
        return
    demo.load(db.session, size=size)
    db.session.commit()
    click.echo(f"演示数据已载入；演示账号密码：{demo.DEMO_PASSWORD}")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="命令行创建", help="令牌名称")
def create_token_command(username: str, name: str) -> None:
    """Create an API token for USERNAME and print it once."""
    from app.auth import services
    from app.auth.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在")
    _record, token = services.create_api_token(db.session, user, name)
    db.session.commit()
    click.echo(token)


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
def set_password_command(username: str, password: str) -> None:
    """Set USERNAME's password (ends their sessions)."""
    from app.auth import services
    from app.auth.models import User
    from app.errors import DomainError

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在")
    try:
        services.set_password(db.session, user, password)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo("密码已更新")


@backup_cli.command("sqlite")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--vacuum", is_flag=True, help="用 VACUUM INTO 写出压缩后的副本")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def backup_sqlite_command(path: Path, vacuum: bool, force: bool) -> None:
    """Copy the running SQLite database to PATH (consistent while the app keeps writing)."""
    from app import backup
    from app.errors import DomainError

    try:
        source = backup.sqlite_path(str(db.engine.url.render_as_string(hide_password=False)))
        result = backup.backup_sqlite(source, path, vacuum=vacuum, overwrite=force)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"已备份到 {result.path}（{result.size / 1024 / 1024:.1f} MB，{result.tables} 张表，完整性校验通过）")


def register_cli(app: Flask) -> None:
    from app.workflow.cli import bpmn_cli
    from scheduler.cli import scheduler_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(bpmn_cli)
    app.cli.add_command(scheduler_cli)
