"""``flask bpmn deploy|list``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.audit.services import Actor, acting_as
from app.extensions import db
from app.workflow import deploy
from app.workflow.models import InstanceStatus, ProcessInstance, ProcessModel

bpmn_cli = AppGroup("bpmn", help="流程模型（BPMN/DMN）")


@bpmn_cli.command("deploy")
@click.option("--dir", "bpmn_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="BPMN 目录（默认 LICAI_BPMN_DIR）")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="DMN 目录（默认 LICAI_RULES_DIR）")
def deploy_command(bpmn_dir: Path | None, rules_dir: Path | None) -> None:
    """Deploy every shipped diagram; a new version only where the content changed."""
    bpmn_dir = bpmn_dir or Path(current_app.config["BPMN_DIR"])
    rules_dir = rules_dir or Path(current_app.config["RULES_DIR"])
    with acting_as(Actor(None, "命令行部署")):
        try:
            results = deploy.deploy_directory(db.session, bpmn_dir, rules_dir)
        except deploy.DeploymentRefused as exc:
            db.session.rollback()
            where = exc.source or "流程图"
            for problem in exc.problems:
                click.echo(f"  ✗ {where}：{problem}", err=True)
            raise click.ClickException(f"{where} 未通过校验，未发布任何版本") from exc
        except deploy.ValidationFailed as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
    for result in results:
        state = "新版本" if result.created else "未变化"
        click.echo(f"{result.model.key:28} v{result.model.version:<4} {state}  {result.model.source}")
    if not results:
        click.echo(f"{bpmn_dir} 中没有 .bpmn 文件")


@bpmn_cli.command("list")
def list_command() -> None:
    """Show process models, versions and running instances."""
    running = dict(db.session.execute(
        select(ProcessInstance.model_id, func.count()).where(
            ProcessInstance.status.in_((InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)))
        .group_by(ProcessInstance.model_id)).all())
    for model in db.session.scalars(select(ProcessModel).order_by(ProcessModel.key, ProcessModel.version)):
        click.echo(f"{model.key:28} v{model.version:<4} {model.name:16} 运行中 {running.get(model.id, 0):>5}  "
                   f"{model.deployed_at:%Y-%m-%d %H:%M}  {model.sha256[:12]}  {model.source}")
