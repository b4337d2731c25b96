"""Scheduler fail-over with kill -9 of the leader, on SQLite and on PostgreSQL when it answers.

Each round starts two real ``flask scheduler run`` processes on a scratch database (the first leads,
the second stands by), starts ``--timers`` process instances whose boundary timer falls due together a
few seconds later, waits until the leader has fired the first of them — so it holds claims on the rest
of its batch — and kills it with SIGKILL. Figures per round:

- fail-over: from the kill to the stand-by's "is the leader" log line;
- orphaned claims: instances still claimed by the killed leader right after the kill;
- orphaned claims: how long after the takeover the last of them fired (the old code: five minutes);
- late fires: how long after its due time each timer fired (worst), and after the kill (last one) —
  with many timers due at once this is mostly the firing throughput;
- doubles / missing: timers fired more than once / not at all (both must be 0).

Usage: .venv/bin/python bench/scheduler_failover.py [--rounds 3] [--timers 150] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _common import REPO, machine, scratch_app
from sqlalchemy import func, select, update

DIAGRAM = REPO / "tests" / "data" / "timer_escalation.bpmn"
LEADER_LINE = re.compile(r"^(\S+ \S+) scheduler INFO scheduler (\S+) is the leader", re.M)


def _spawn(url: str, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LICAI_DATABASE_URL": url, "LICAI_SECRET_KEY": "bench", "PYTHONPATH": str(REPO)}
    with open(log_path, "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler", "run"], cwd=REPO,
                                env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


def _leader_at(log_path: Path) -> tuple[float, str] | None:
    """When (epoch seconds) and as whom the process in this log became leader, if it did."""
    match = LEADER_LINE.search(log_path.read_text(encoding="utf-8", errors="replace"))
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp(), match.group(2)


def one_round(app: Any, due_in: int, count: int, folder: Path) -> dict[str, float]:
    """Start two schedulers, kill -9 the leader mid-batch, and measure what the stand-by does."""
    from app import workflow
    from app.auth.models import User
    from app.extensions import db
    from app.workflow.models import InstanceEvent, ProcessInstance

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    logs = [folder / f"leader-{time.time_ns()}.log", folder / f"standby-{time.time_ns()}.log"]
    first = _spawn(url, logs[0])
    _wait(lambda: _leader_at(logs[0]) is not None, 60, "the first scheduler to lead")
    second = _spawn(url, logs[1])
    _wait(lambda: "started" in logs[1].read_text(encoding="utf-8", errors="replace"), 60, "the stand-by")
    try:
        seat = db.session.scalars(select(User).where(User.org_id.is_not(None)).order_by(User.id)).first()
        due: dict[int, datetime] = {}
        for _ in range(count):  # one start per transaction, as the web would: no long hold on SQLite's write lock
            instance = workflow.start(db.session, "bench_timer", org_id=seat.org_id, owner_id=seat.id)
            db.session.flush()
            due[instance.id] = instance.next_timer_at
            db.session.commit()
        ids = list(due)

        def fired() -> int:
            value = db.session.scalar(select(func.count(func.distinct(InstanceEvent.instance_id))).where(
                InstanceEvent.instance_id.in_(ids), InstanceEvent.kind == "timer")) or 0
            db.session.commit()
            return value

        _wait(lambda: fired() > 0, due_in + 60, "the leader's first timer fire")
        first.send_signal(signal.SIGKILL)
        killed = time.time()
        first.wait(10)
        fired_before = fired()
        orphaned = set(db.session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.id.in_(ids), ProcessInstance.lock_owner.is_not(None))))
        db.session.commit()
        _wait(lambda: fired() == count, 600, "every timer to fire")
        taken = _leader_at(logs[1])
        assert taken is not None
        events = db.session.execute(select(InstanceEvent.instance_id, InstanceEvent.at).where(
            InstanceEvent.instance_id.in_(ids), InstanceEvent.kind == "timer")).all()
        db.session.commit()
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (first, second):
            process.wait(30)
    per_instance: dict[int, int] = {}
    for instance_id, _at in events:
        per_instance[instance_id] = per_instance.get(instance_id, 0) + 1
    late = [(at - due[instance_id]).total_seconds() for instance_id, at in events]
    last_fire = max(at for _id, at in events).timestamp()
    orphan_fires = [at.timestamp() for instance_id, at in events if instance_id in orphaned]
    return {"failover_s": taken[0] - killed, "orphaned": len(orphaned), "fired_before_kill": fired_before,
            "orphans_fired_after_takeover_s": max(orphan_fires, default=taken[0]) - taken[0],
            "worst_late_s": max(late), "last_fire_after_kill_s": last_fire - killed,
            "doubles": sum(1 for n in per_instance.values() if n > 1), "missing": count - len(per_instance)}


def bench(kind: str, rounds: int, count: int, due_in: int) -> None:
    """Print one line per round and the worst of them for one database."""
    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not available")
            return
        from app.extensions import db
        from app.workflow import deploy
        from forms import registry as form_registry
        from scheduler import runner
        from scheduler.models import ScheduledJob

        form_registry.SEARCH_DIRS.append(REPO / "tests" / "data" / "forms")  # the diagram's test form

        text = DIAGRAM.read_text(encoding="utf-8").replace('"P3D"', f'"PT{due_in}S"')
        deploy.deploy(db.session, text.replace("test_timer", "bench_timer"))
        runner.sync_catalogue(db.session)
        db.session.execute(update(ScheduledJob).values(enabled=False))
        db.session.execute(update(ScheduledJob).where(ScheduledJob.code == "workflow.timers")
                           .values(enabled=True, interval_seconds=1))
        db.session.commit()
        results = []
        with tempfile.TemporaryDirectory(prefix="licai-failover-") as folder:
            for number in range(1, rounds + 1):
                result = one_round(app, due_in, count, Path(folder))
                results.append(result)
                print(f"{kind} round {number}: fail-over {result['failover_s']:.2f} s, "
                      f"{result['orphaned']} claims orphaned by the kill ({result['fired_before_kill']} fired before), "
                      f"the last of them fired {result['orphans_fired_after_takeover_s']:.2f} s after the takeover, "
                      f"worst timer {result['worst_late_s']:.2f} s after due, last fire "
                      f"{result['last_fire_after_kill_s']:.2f} s after the kill, doubles {result['doubles']}, "
                      f"missing {result['missing']}", flush=True)
        worst = {key: max(r[key] for r in results) for key in results[0]}
        print(f"{kind} worst of {rounds}: fail-over {worst['failover_s']:.2f} s, orphaned claims fired "
              f"{worst['orphans_fired_after_takeover_s']:.2f} s after the takeover, worst timer "
              f"{worst['worst_late_s']:.2f} s late, last fire {worst['last_fire_after_kill_s']:.2f} s after the kill, "
              f"doubles {worst['doubles']}, missing {worst['missing']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timers", type=int, default=150, help="timers falling due together per round")
    parser.add_argument("--due-in", type=int, default=8, help="seconds from start to the timers' due time")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(machine())
    print(f"lease {timedelta(seconds=4)} renewed every second; {args.timers} timers per round, due together")
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            bench(kind, args.rounds, args.timers, args.due_in)


if __name__ == "__main__":
    main()
