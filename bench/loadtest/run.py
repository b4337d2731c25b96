"""``make loadtest``: two gunicorn processes and two schedulers on PostgreSQL under Locust, with kill -9.

Loopback only and bounded in time. Steps: create a fresh database (LOADTEST_DB, default licai_load) on
127.0.0.1:5432; migrate, seed base, deploy the BPMN, seed the demo data, add work (bench/loadtest/seed.py:
trades waiting at 交易财务审核, BPMN timers falling due during the run); start two web processes and two
schedulers; run Locust for LOADTEST_SECONDS (default 300) with seats, finance and managers spread over both
ports; halfway, kill -9 one gunicorn master and the scheduler leader; wait until every timer due before the
end has fired (at most LOADTEST_DRAIN_SECONDS); stop everything and prove with SQL that no work was lost or
done twice (bench/loadtest/checks.py). Prints requests/s, p95, errors split by cause, takes a JSON record in
bench/out/loadtest/ and exits non-zero when an invariant fails.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "300"))
USERS = int(os.environ.get("LOADTEST_USERS", "40"))
SPAWN_RATE = float(os.environ.get("LOADTEST_SPAWN_RATE", "10"))
DRAIN = int(os.environ.get("LOADTEST_DRAIN_SECONDS", "360"))
TRADES = int(os.environ.get("LOADTEST_TRADES", "400"))
TIMERS = int(os.environ.get("LOADTEST_TIMERS", str(max(20, SECONDS * 2 // 3))))  # the timer job fires <= 50 per 15 s
DB = os.environ.get("LOADTEST_DB", "licai_load")
SERVER = os.environ.get("LOADTEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PORTS = (int(os.environ.get("LOADTEST_PORT_A", "5101")), int(os.environ.get("LOADTEST_PORT_B", "5102")))
WORKERS = os.environ.get("LOADTEST_WEB_WORKERS", "2")
OUT = REPO / "bench" / "out" / "loadtest"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def fresh_database() -> str:
    """Drop and create the load-test database; returns its SQLAlchemy URL."""
    import sqlalchemy as sa

    if "127.0.0.1" not in SERVER and "localhost" not in SERVER:
        raise SystemExit("make loadtest runs on loopback only (LOADTEST_PG must point at 127.0.0.1)")
    admin = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{DB}"')
    admin.dispose()
    return f"{SERVER}/{DB}"


def run(cmd: list[str], env: dict[str, str]) -> None:
    """Run a set-up step, its output into bench/out/loadtest/setup.log (shown when it fails)."""
    log("$ " + " ".join(Path(part).name if n == 0 else part for n, part in enumerate(cmd)))
    with open(OUT / "setup.log", "ab") as out:
        done = subprocess.run(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode:
        print((OUT / "setup.log").read_text(encoding="utf-8", errors="replace")[-3000:])
        raise SystemExit(f"set-up step failed: {' '.join(cmd)}")


def spawn(cmd: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    out = open(OUT / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(port: int, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"web process on port {port} did not answer within {limit:.0f} s")


def leader_pid(names: list[str], after: float = 0.0) -> tuple[int, float] | None:
    """The pid of the scheduler that logged "is the leader" last (after ``after``), and when."""
    best: tuple[int, float] | None = None
    for name in names:
        path = OUT / f"{name}.log"
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if "is the leader" in line:
                stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                owner = line.split("scheduler ", 2)[-1].split(" is the leader")[0]
                pid = int(owner.split(":")[1])
                if stamp >= after and (best is None or stamp > best[1]):
                    best = (pid, stamp)
    return best


def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (gunicorn workers of a master)."""
    import psutil

    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def claims_held(url: str, pid: int, limit: float = 30) -> int:
    """Wait (at most ``limit`` s) until scheduler ``pid`` holds timer claims mid-batch; returns how many."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + limit
    held = 0
    with engine.connect() as conn:
        while time.monotonic() < deadline and not held:
            held = conn.execute(sa.text("SELECT COUNT(*) FROM process_instance WHERE lock_owner LIKE :owner"),
                                {"owner": f"%:{pid}:%"}).scalar_one()
            conn.rollback()
            time.sleep(0.02)
    engine.dispose()
    return int(held)


def locust_totals() -> dict[str, Any]:
    """The Aggregated row of Locust's stats CSV."""
    with open(OUT / "locust_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {"requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
            "rps": float(total["Requests/s"]), "p50_ms": float(total["50%"]), "p95_ms": float(total["95%"]),
            "p99_ms": float(total["99%"]), "max_ms": float(total["Max Response Time"]),
            "by_name": {row["Name"]: (int(row["Request Count"]), int(row["Failure Count"]), float(row["95%"]))
                        for row in rows if row["Name"] != "Aggregated"}}


def split_errors(killed_port: int, killed_at: float) -> dict[str, Any]:
    """Failed requests: those the killed web process caused (its port, from the kill on) and all others."""
    killed: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    path = OUT / "errors.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        row = json.loads(line)
        (killed if row["port"] == killed_port and row["t"] >= killed_at - 1 else other).append(row)
    kinds: dict[str, int] = {}
    for row in other:
        key = f"{row['name']} → {row['status'] or row['error'][:60]}"
        kinds[key] = kinds.get(key, 0) + 1
    last = max((row["t"] for row in killed), default=killed_at)
    return {"killed": len(killed), "killed_window_s": round(last - killed_at, 1), "other": len(other),
            "other_kinds": kinds}


def drain(url: str, end: datetime) -> float:
    """Wait until no live instance has a timer due before ``end``; returns the seconds waited."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    started = time.monotonic()
    while time.monotonic() - started < DRAIN:
        with engine.connect() as conn:
            left = conn.execute(sa.text("SELECT COUNT(*) FROM process_instance WHERE status IN ('running', 'waiting')"
                                        " AND next_timer_at <= :end"), {"end": end}).scalar_one()
        if not left:
            break
        log(f"waiting for {left} timer(s) due before the end to fire")
        time.sleep(5)
    engine.dispose()
    return time.monotonic() - started


def timer_lateness(url: str) -> dict[str, Any]:
    """How late the load test's timers fired: median, p95 and max seconds after their due moment."""
    import sqlalchemy as sa

    from app.database import UTCDateTime

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    late: list[float] = []
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.column("at", UTCDateTime()), sa.column("data", sa.JSON()))
                            .select_from(sa.table("instance_event")).where(sa.text("kind = 'timer'"))).all()
    engine.dispose()
    for at, data in rows:
        due = datetime.fromisoformat(data["due"])
        due = due if due.tzinfo else due.replace(tzinfo=UTC)
        late.append((at - due).total_seconds())
    late.sort()
    if not late:
        return {"fired": 0}
    return {"fired": len(late), "median_s": round(late[len(late) // 2], 1),
            "p95_s": round(late[int(len(late) * 0.95) - 1 if len(late) > 1 else 0], 1), "max_s": round(late[-1], 1),
            "over_60s": sum(1 for value in late if value > 60)}


def main() -> int:  # noqa: PLR0915  (one linear script)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    url = fresh_database()
    env = {**os.environ, "LICAI_DATABASE_URL": url, "LICAI_SECRET_KEY": secrets.token_hex(32),
           "LICAI_ENV": "development", "PYTHONUNBUFFERED": "1"}
    flask = [str(BIN / "flask"), "--app", "app"]
    for args in (["db", "upgrade"], ["seed", "base"], ["bpmn", "deploy"], ["seed", "demo"]):
        run(flask + args, env)
    # Before any scheduler runs (its pool jobs would move the customers being sold to); the first timers fall
    # due about when Locust starts, the last near the end of the run.
    run([sys.executable, str(HERE / "seed.py"), "--trades", str(TRADES), "--timers", str(TIMERS),
         "--timers-from", "30", "--timers-span", str(int(SECONDS * 0.9))], env)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for n, port in enumerate(PORTS):
            procs[f"web{n + 1}"] = spawn([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind",
                                          f"127.0.0.1:{port}", "--workers", WORKERS, "--access-logfile", "-",
                                          "app:create_app()"], env, f"web{n + 1}")
        for port in PORTS:
            wait_http(port)
        for n in (1, 2):
            procs[f"scheduler{n}"] = spawn(flask + ["scheduler", "run"], env, f"scheduler{n}")
            time.sleep(1)
        log("web processes answer on ports " + ", ".join(map(str, PORTS)))
        leader = None
        for _ in range(60):
            leader = leader_pid(["scheduler1", "scheduler2"])
            if leader:
                break
            time.sleep(0.5)
        if leader is None:
            raise SystemExit("no scheduler became the leader")
        started = datetime.now(UTC)
        hosts = ",".join(f"http://127.0.0.1:{port}" for port in PORTS)
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(USERS), "-r",
             str(SPAWN_RATE), "-t", f"{SECONDS}s", "--stop-timeout", "10", "--csv", str(OUT / "locust"),
             "--only-summary", "--host", f"http://127.0.0.1:{PORTS[0]}"],
            env={**env, "LOADTEST_HOSTS": hosts, "LOADTEST_ERRORS": str(OUT / "errors.jsonl")}, cwd=REPO,
            stdout=open(OUT / "locust.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        log(f"Locust: {USERS} users for {SECONDS} s against {hosts}; scheduler leader pid {leader[0]}")
        time.sleep(SECONDS / 2)
        web = procs["web1"]
        workers = children(web.pid)
        killed_at = time.time()
        os.kill(web.pid, signal.SIGKILL)
        log(f"kill -9 gunicorn master {web.pid} (port {PORTS[0]}); its workers {workers}")
        time.sleep(5)
        leader = leader_pid(["scheduler1", "scheduler2"])
        assert leader is not None
        held = claims_held(url, leader[0])  # kill it while it holds timer claims, the hard case
        leader_killed_at = time.time()
        os.kill(leader[0], signal.SIGKILL)
        log(f"kill -9 scheduler leader {leader[0]} holding {held} timer claim(s)")
        orphans_gone = None
        takeover = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (orphans_gone is None or takeover is None):
            if orphans_gone is None and not any(alive(pid) for pid in workers):
                orphans_gone = time.time() - killed_at
            new = leader_pid(["scheduler1", "scheduler2"], after=leader_killed_at)
            if takeover is None and new:
                takeover = new[1] - leader_killed_at
                log(f"scheduler {new[0]} leads {takeover:.1f} s after the kill")
            time.sleep(0.2)
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        locust.wait(timeout=SECONDS + 120)
        ended = datetime.now(UTC)
        log("Locust finished; draining due timers")
        drained = drain(url, ended)
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)

    import sqlalchemy as sa
    from checks import run_all

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        results = run_all(conn, started, ended)
        done = conn.execute(sa.text("SELECT COUNT(*) FROM workflow_task WHERE element_id = 'finance_audit' "
                                    "AND status = 'completed' AND completed_at >= :s"), {"s": started}).scalar_one()
    engine.dispose()
    totals = locust_totals()
    errors = split_errors(PORTS[0], killed_at)
    lateness = timer_lateness(url)
    record = {"at": started.isoformat(), "seconds": SECONDS, "users": USERS, "web_workers_per_process": WORKERS,
              "totals": {k: v for k, v in totals.items() if k != "by_name"}, "errors": errors,
              "web_kill_at_s": round(killed_at - started.timestamp(), 1),
              "orphan_workers_exit_s": None if orphans_gone is None else round(orphans_gone, 1),
              "scheduler_kill_at_s": round(leader_killed_at - started.timestamp(), 1),
              "scheduler_claims_at_kill": held,
              "scheduler_takeover_s": None if takeover is None else round(takeover, 1),
              "drain_s": round(drained, 1), "timers": lateness, "finance_audits_completed": done,
              "checks": [{"name": r.name, "ok": r.ok, "count": r.count, "bad": [list(map(str, b)) for b in r.bad[:10]]}
                         for r in results]}
    (OUT / "result.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    report(record, totals)
    return 0 if all(r.ok for r in results) else 1


def report(record: dict[str, Any], totals: dict[str, Any]) -> None:
    print()
    print(f"== LicaiFlow load test: {record['users']} users, {record['seconds']} s, 2 web × "
          f"{record['web_workers_per_process']} workers, 2 schedulers, PostgreSQL")
    t, e = record["totals"], record["errors"]
    print(f"requests {t['requests']}, {t['rps']:.1f} req/s, p50 {t['p50_ms']:.0f} ms, p95 {t['p95_ms']:.0f} ms, "
          f"p99 {t['p99_ms']:.0f} ms, max {t['max_ms']:.0f} ms")
    print(f"errors: {e['killed'] + e['other']} failed requests ({t['failures']} in Locust's summary, which ends at "
          f"the time limit) — {e['killed']} caused by the killed web process (the last {e['killed_window_s']} s "
          f"after the kill), {e['other']} others {e['other_kinds'] or ''}")
    print(f"kill -9 web master at {record['web_kill_at_s']} s (orphaned workers gone after "
          f"{record['orphan_workers_exit_s']} s); kill -9 scheduler leader at {record['scheduler_kill_at_s']} s, "
          f"holding {record['scheduler_claims_at_kill']} timer claim(s); stand-by leads after "
          f"{record['scheduler_takeover_s']} s")
    print(f"finance audits completed: {record['finance_audits_completed']}; timers: {record['timers']}; "
          f"drain {record['drain_s']} s")
    for name, (count, failures, p95) in sorted(totals["by_name"].items()):
        print(f"  {name:40} {count:7} req  {failures:5} failed  p95 {p95:.0f} ms")
    for check in record["checks"]:
        verdict = "PASS" if check["ok"] else "FAIL"
        print(f"{verdict}  {check['name']:18} ({check['count']} checked) {check['bad'] or ''}")


if __name__ == "__main__":
    sys.exit(main())
