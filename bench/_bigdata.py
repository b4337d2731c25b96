"""The big data set the performance benches share: a year of a 1,000-seat company, built set-based and cached.

    from _bigdata import big_app

    with big_app("sqlite") as built:          # or "postgresql": None when PostgreSQL does not answer
        if built is not None:
            app, ids = built                  # app context pushed, clock pinned at PINNED_NOW
            client = app.test_client(); login(client, ids.head)

At scale 1.0 (``LICAI_BENCH_SCALE`` overrides the argument; 0.01 for a quick smoke run): 1,000,000 customers,
5,000,000 follow-ups, 200,000 trades with their 200,000 trade_review instances and about 1,000,000 task rows,
1,000,000 pool_history rows, about 200,000 intent marks, and the quota daily facts rebuilt from them — for
1,000 seats in 50 departments (20 seats and a head each) under 5 branches, over the 365 days up to the pinned
day 2026-06-17 (Asia/Shanghai). On top of the small demo (its users, projects and diagrams), so demo users
log in as usual. Shapes:

- Seats: big_s0000 … big_s0999, department d = seat // 20 (压测N部), branch b = d // 10; branch 0 is the demo's
  上海分公司 (manager01's), branches 1–4 are new with a city manager big_m1 … big_m4. Each branch has a finance
  user big_f<b> and an investor-service user big_t<b>; each department a head big_h00 … big_h49. Customers
  are spread over seats unevenly (seat 0 gets about twice the average, seat 999 two thirds of it).
- Customers: created over the last two years; 55 % personal (new / intent / valid / dealt), 10 % department,
  23 % public, 5 % city, 2 % head pool, 5 % invalid; sources from the customer_source dictionary.
- Follow-ups: evenly over the 365 days, business hours, each by the seat serving a personal customer created
  before it: 80 % calls (55 % of them connected, 30 % valid = connected and ≥ 60 s), 6 % 见客, 4 % 来访,
  6 % 邀约, 4 % 沙龙.
- Trades: evenly over the year, 10万–500万 (small amounts more frequent), dealt customers of the seat; older
  trades mostly 收益阶段 / 已清算 (some refunded or failed), the last 30 days spread over every review step.
  Each has a trade_review instance (status from the trade; a few in error) and its task history: finance
  audit (slowest: 2–48 h), verification, personal and collective contract, and revision rounds after a return
  (a third of trades are returned once or twice). ``workflow_task.claimed_at`` is filled when the column exists.
- Pool history: over the year, across the move reasons (assign, extract, release, the recycle rules, red flag…).

Built once per key (scale + migration heads + GENERATOR_VERSION): SQLite as /tmp/licai_big/<key>.sqlite,
copied to a scratch file for every run (a bench may write); PostgreSQL as the database ``licai_big_<key>``
next to LICAI_BENCH_PG_URL, kept and used in place — a bench writing to it must roll back (or pass
``writable=True`` for a scratch copy made with CREATE DATABASE … TEMPLATE, dropped afterwards).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _common import PG_URL, REPO  # puts the repository on sys.path too

GENERATOR_VERSION = 1
PINNED_NOW = datetime.fromisoformat("2026-06-17T10:00:00+08:00")
CACHE = Path(os.environ.get("LICAI_BIG_CACHE", "/tmp/licai_big"))  # noqa: S108  (a shared cache by design)
PASSWORD = "Licai@demo2026"  # noqa: S105  (the documented demo password: every big user has it)

SEATS, DEPTS, BRANCHES = 1000, 50, 5
SEATS_PER_DEPT, DEPTS_PER_BRANCH = SEATS // DEPTS, DEPTS // BRANCHES
DAYS = 365
FULL = {"customers": 1_000_000, "follow_ups": 5_000_000, "trades": 200_000, "pool_history": 1_000_000}
BIG_TABLES = ("customer", "follow_up", "trade", "process_instance", "workflow_task", "pool_history",
              "quota_intent_mark", "quota_daily_fact")


@dataclass(frozen=True)
class BigIds:
    """Who to log in as (every user's password is PASSWORD) and what to look at."""

    manager_id: int  # manager01, city manager of 上海分公司 (branch 0: 10 big departments and the demo's)
    head_id: int  # big_h00, head of 压测1部 with 20 seats (seat 0 … 19)
    seat_id: int  # big_s0000, the seat with the most customers, follow-ups and deals
    designer_id: int  # designer01
    admin_id: int  # admin: sees everything (data scope ALL)
    trade_review_key: str
    usernames: dict[int, str]
    scale: float
    counts: dict[str, int]

    @property
    def manager(self) -> str:
        return self.usernames[self.manager_id]

    @property
    def head(self) -> str:
        return self.usernames[self.head_id]

    @property
    def seat(self) -> str:
        return self.usernames[self.seat_id]

    @property
    def designer(self) -> str:
        return self.usernames[self.designer_id]

    @property
    def admin(self) -> str:
        return self.usernames[self.admin_id]


def login(client: Any, username: str) -> None:
    """Log a test client in (the app built here has CSRF checks off)."""
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code in (302, 303), f"login of {username} failed: {response.status_code}"


def bench_scale(scale: float = 1.0) -> float:
    return float(os.environ.get("LICAI_BENCH_SCALE") or scale)


def migration_heads() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(REPO / "migrations"))
    return "-".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def cache_key(scale: float) -> str:
    """scale + migration heads + generator version, short enough for a database name."""
    heads = migration_heads()
    digest = hashlib.sha256(heads.encode()).hexdigest()[:8]
    return re.sub(r"[^a-z0-9_]", "_", f"s{scale:g}_{digest}_g{GENERATOR_VERSION}".lower())


def _config(url: str) -> dict[str, Any]:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "SCHEDULER_ENABLED": False}


@contextmanager
def _pinned() -> Iterator[None]:
    import time_machine

    traveller = time_machine.travel(PINNED_NOW, tick=True)
    traveller.start()
    try:
        yield
    finally:
        traveller.stop()


@contextmanager
def _locked(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def big_app(kind: str, scale: float = 1.0, writable: bool = False,
            verbose: bool = True) -> Iterator[tuple[Any, BigIds] | None]:
    """Yield (app, BigIds) on the big data set (built first if not cached), app context pushed, clock pinned;
    None for PostgreSQL when it does not answer."""
    scale = bench_scale(scale)
    key = cache_key(scale)
    with _pinned(), tempfile.TemporaryDirectory(prefix="licai-big-") as folder:
        if kind == "sqlite":
            url = _sqlite(key, scale, folder, verbose)
            with _opened(url, folder, scale) as built:
                yield built
        elif kind == "postgresql":
            with _postgresql(key, scale, folder, writable, verbose) as url:
                if url is None:
                    yield None
                    return
                with _opened(url, folder, scale) as built:
                    yield built
        else:
            raise ValueError(f"unknown database kind {kind!r}")


@contextmanager
def _opened(url: str, folder: str, scale: float) -> Iterator[tuple[Any, BigIds]]:
    from app import create_app
    from app.extensions import db

    app = create_app(_config(url), instance_path=f"{folder}/instance")
    with app.app_context():
        ids = read_ids(db.session, scale)
        db.session.commit()
        yield app, ids
        db.session.remove()
        db.engine.dispose()


def read_ids(session: Any, scale: float) -> BigIds:
    names = ["manager01", "big_h00", "big_s0000", "designer01", "admin"]
    found = dict(session.execute(sa.text("SELECT username, id FROM users WHERE username IN "
                                         "('manager01', 'big_h00', 'big_s0000', 'designer01', 'admin')")).all())
    missing = [name for name in names if name not in found]
    assert not missing, f"big data set lacks users {missing}"
    counts = {table: int(session.scalar(sa.text(f"SELECT count(*) FROM {table}")))  # noqa: S608
              for table in ("customer", "follow_up", "trade", "workflow_task", "pool_history", "quota_daily_fact")}
    return BigIds(manager_id=found["manager01"], head_id=found["big_h00"], seat_id=found["big_s0000"],
                  designer_id=found["designer01"], admin_id=found["admin"], trade_review_key="trade_review",
                  usernames={v: k for k, v in found.items()}, scale=scale, counts=counts)


# --- caching -----------------------------------------------------------------------------------------------


def _sqlite(key: str, scale: float, folder: str, verbose: bool) -> str:
    cached = CACHE / f"{key}.sqlite"
    with _locked(key):
        if not cached.exists():
            building = CACHE / f"{key}.building-{uuid.uuid4().hex[:6]}.sqlite"
            try:
                build(f"sqlite:///{building}", scale, folder, verbose)
                os.replace(building, cached)
            finally:
                for leftover in CACHE.glob(f"{building.name}*"):
                    leftover.unlink()
    copy = Path(folder) / "big.sqlite"
    shutil.copyfile(cached, copy)
    return f"sqlite:///{copy}"


@contextmanager
def _postgresql(key: str, scale: float, folder: str, writable: bool, verbose: bool) -> Iterator[str | None]:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool,
                             connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    name = f"licai_big_{key}"

    def exists(database: str) -> bool:
        with admin.connect() as conn:
            return bool(conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).first())

    def url_of(database: str) -> str:
        return sa.make_url(PG_URL).set(database=database).render_as_string(hide_password=False)

    scratch = None
    try:
        with _locked(name):
            if not exists(name):
                building = f"{name}_building"
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                    conn.exec_driver_sql(f'CREATE DATABASE "{building}"')
                try:
                    build(url_of(building), scale, folder, verbose)
                except BaseException:
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                    raise
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            if writable:
                scratch = f"licai_bigw_{uuid.uuid4().hex[:8]}"
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{scratch}" TEMPLATE "{name}"')
        yield url_of(scratch or name)
    finally:
        if scratch:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.dispose()


# --- building ----------------------------------------------------------------------------------------------


def build(url: str, scale: float, folder: str, verbose: bool = True) -> dict[str, float]:
    """Migrate, seed, load the small demo, then generate the big tables set-based; returns seconds per step."""
    from flask_migrate import upgrade

    from app import create_app
    from app import demo as demo_data
    from app.cli import seed_base
    from app.extensions import db

    timings: dict[str, float] = {}
    started = time.perf_counter()
    app = create_app(_config(url), instance_path=f"{folder}/instance-build")
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
        seed_base()
        demo_data.load(db.session, size="small")
        db.session.commit()
        timings["migrate + demo"] = time.perf_counter() - started
        generator = Generator(db.engine, scale, timings, verbose)
        generator.run()
        db.session.remove()
        db.engine.dispose()
    timings["total"] = time.perf_counter() - started
    if verbose:
        print(f"  big data set (scale {scale:g}) built in {timings['total']:.1f} s: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total"), flush=True)
    return timings


# Multipliers for the pseudo-random picks: (i * A) % P with P = 2^31 - 1, a different A per purpose so picks
# are independent of each other.
P = 2147483647
A = {"seat": 48271, "cpool": 69621, "ctype": 16807, "src": 39373, "grade": 40692, "fcust": 950706376,
     "fq": 742938285, "fkind": 1343714438, "fconn": 1226874159, "fdur": 1583458089, "fres": 784306273,
     "ftime": 397204094, "tcust": 2027812917, "tq": 1132489760, "tamt": 1080433385, "tstat": 1645656077,
     "ttime": 630360016, "tpath": 1499144525, "dur": 1808380159, "wait": 554160445, "hcust": 182605794,
     "hreason": 1442850019, "htime": 2053252301, "mark": 1265484727, "misc": 1207460021}


def h(expr: str, purpose: str, modulo: int) -> str:
    """SQL: a pseudo-random integer in [0, modulo) from the integer ``expr``."""
    return f"((({expr}) * CAST({A[purpose]} AS BIGINT) + {A[purpose] % 9973}) % {P} % {modulo})"


class Generator:
    """Generates the big tables on one connection with explicit ids, indexes dropped and recreated around."""

    def __init__(self, engine: Any, scale: float, timings: dict[str, float], verbose: bool) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.scale = scale
        self.n = {name: max(1, round(count * scale)) for name, count in FULL.items()}
        # whole blocks of 100 (the pool and type of customer k follow k % 100)
        self.n["customers"] = max(self.n["customers"], 2000) // 100 * 100
        self.timings = timings
        self.verbose = verbose
        today = PINNED_NOW.date()
        self.today = today
        # Every generated time is T0 + seconds: T0 is local midnight two years (730 days) before today.
        self.t0 = datetime.combine(today - timedelta(days=730), clock_time.min, tzinfo=PINNED_NOW.tzinfo)
        self.d0 = today - timedelta(days=730)
        self.now_off = int((PINNED_NOW - self.t0).total_seconds())

    # dialect helpers
    def series(self, n: int) -> str:
        if self.pg:
            return f"generate_series(CAST(0 AS BIGINT), {n - 1}) AS s(i)"
        return (f"(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1}) "
                "SELECT i FROM s) AS s")

    def ts(self, seconds: str) -> str:
        """SQL: the timestamp T0 + ``seconds`` (an integer expression) as the models store it."""
        if self.pg:
            return f"(CAST(:t0 AS timestamptz) + ({seconds}) * interval '1 second')"
        return f"strftime('%Y-%m-%d %H:%M:%f000', :t0, '+' || ({seconds}) || ' seconds')"

    def day(self, days: str) -> str:
        if self.pg:
            return f"(CAST(:d0 AS date) + CAST(({days}) AS integer))"
        return f"date(:d0, '+' || ({days}) || ' days')"

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(CAST(({expr}) AS text), {width}, '0')"
        return f"printf('%0{width}d', {expr})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"min({a}, {b})"

    def params(self, **extra: Any) -> dict[str, Any]:
        if self.pg:
            base: dict[str, Any] = {"t0": self.t0, "d0": self.d0}
        else:
            base = {"t0": self.t0.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), "d0": self.d0.isoformat()}
        return {**base, **extra}

    def day_time(self, day_off: str, index: str, purpose: str) -> str:
        """Seconds from T0 of a business-hours moment on day ``day_off`` (today: before the pinned 10:00)."""
        return (f"(({day_off}) * 86400 + CASE WHEN ({day_off}) >= 730 THEN 28800 + {h(index, purpose, 7000)} "
                f"ELSE 32400 + {h(index, purpose, 32400)} END)")

    # the customer model: customer k (0-based, id = c0 + k) is a formula of k alone
    def seat_of(self, k: str) -> str:
        # x uniform in [0, 10^6) mapped through x + x²/10^6: seat 0 gets twice the average, seat 999 two thirds
        x = h(k, "seat", 1_000_000)
        return f"(({x}) + ({x}) * ({x}) / 1000000) / 2000"

    def dept_of_seat(self, s: str) -> str:
        return f"(({s}) / {SEATS_PER_DEPT})"

    def step(self, label: str, sql: str, **params: Any) -> None:
        started = time.perf_counter()
        self.conn.execute(sa.text(sql), self.params(**params))
        self.conn.commit()
        self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - started
        if self.verbose:
            print(f"    {label}: {time.perf_counter() - started:.1f} s", flush=True)

    def run(self) -> None:
        from sqlalchemy.orm import Session

        self.engine.dispose()  # SQLite: alone on the file, so the journal can be switched off while loading
        with self.engine.connect() as conn:
            self.conn = conn
            if self.pg:
                conn.exec_driver_sql("SET session_replication_role = replica")  # no FK triggers while loading
                conn.exec_driver_sql("SET synchronous_commit = off")
                conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
                conn.exec_driver_sql("SET work_mem = '256MB'")
                conn.commit()
            else:
                raw = conn.connection.driver_connection
                for pragma in ("journal_mode=OFF", "foreign_keys=OFF", "synchronous=OFF", "cache_size=-1000000",
                               "temp_store=MEMORY", "threads=2"):
                    raw.execute(f"PRAGMA {pragma}")
            indexes = self.drop_indexes()
            self.org_and_users()
            self.customers()
            self.follow_ups()
            self.trades()
            self.tasks()
            self.pool_history()
            self.intent_marks()
            self.facts(Session(bind=conn))
            started = time.perf_counter()
            slowest = []
            for name, sql in indexes:
                one = time.perf_counter()
                conn.exec_driver_sql(sql)
                conn.commit()
                slowest.append((time.perf_counter() - one, name))
            self.timings["indexes"] = time.perf_counter() - started
            if self.verbose:
                print(f"    indexes: {self.timings['indexes']:.1f} s (slowest: "
                      + ", ".join(f"{name} {sec:.1f} s" for sec, name in sorted(slowest)[::-1][:5]) + ")", flush=True)
            started = time.perf_counter()
            if self.pg:
                for table in ("customer", "follow_up", "trade", "process_instance", "workflow_task", "pool_history",
                              "users", "org", "project"):
                    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                                         f"FROM {table}")
                conn.exec_driver_sql("SET session_replication_role = origin")
                conn.commit()
            else:
                raw = conn.connection.driver_connection
                raw.execute("PRAGMA journal_mode=WAL")
                raw.execute("PRAGMA analysis_limit=1000")
                raw.execute("ANALYZE")
            self.conn = None  # type: ignore[assignment]
        if self.pg:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        self.timings["analyze"] = time.perf_counter() - started
        if self.verbose:
            print(f"    analyze: {self.timings['analyze']:.1f} s", flush=True)

    def drop_indexes(self) -> list[tuple[str, str]]:
        """Drop the secondary indexes of the big tables; return the statements recreating them."""
        tables = ", ".join(f"'{t}'" for t in BIG_TABLES)
        if self.pg:
            rows = self.conn.execute(sa.text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                f"AND i.tablename IN ({tables}) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname)")).all()
        else:
            rows = self.conn.execute(sa.text(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({tables}) "
                "AND sql IS NOT NULL")).all()
        for name, _sql in rows:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
        self.conn.commit()
        return [(name, sql) for name, sql in rows]

    def next_id(self, table: str) -> int:
        return int(self.conn.scalar(sa.text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")))  # noqa: S608

    def org_and_users(self) -> None:
        """5 branches (上海分公司 and four new), 50 departments, 1,000 seats, heads, managers, finance, service."""
        started = time.perf_counter()
        conn = self.conn
        sh = conn.execute(sa.text("SELECT id, path FROM org WHERE code = 'SH'")).one()
        hq = conn.scalar(sa.text("SELECT id FROM org WHERE code = 'HQ'"))
        o0 = self.next_id("org")
        created = self.t0
        branch_ids, orgs = [sh.id], []
        for b, city in enumerate(["北京", "广州", "深圳", "杭州"], start=1):
            oid = o0 + b - 1
            branch_ids.append(oid)
            orgs.append({"id": oid, "p": hq, "n": f"{city}分公司", "c": f"BIG-B{b}", "k": "branch",
                         "path": f"/{hq}/{oid}/", "s": b})
        self.dept0 = o0 + BRANCHES - 1
        for d in range(DEPTS):
            oid, branch = self.dept0 + d, branch_ids[d // DEPTS_PER_BRANCH]
            parent_path = sh.path if d < DEPTS_PER_BRANCH else f"/{hq}/{branch}/"
            orgs.append({"id": oid, "p": branch, "n": f"压测{d + 1}部", "c": f"BIG-D{d:02d}", "k": "department",
                         "path": f"{parent_path}{oid}/", "s": 10 + d})
        conn.execute(sa.text("INSERT INTO org (id, parent_id, name, code, kind, path, sort, active, created_at) "
                             "VALUES (:id, :p, :n, :c, :k, :path, :s, true, :t)")
                     .bindparams(sa.bindparam("t", type_=_utc())), [{**o, "t": created} for o in orgs])
        self.branch_ids = branch_ids
        hashed = conn.scalar(sa.text("SELECT password_hash FROM users WHERE username = 'seat01'"))
        manager01 = conn.scalar(sa.text("SELECT id FROM users WHERE username = 'manager01'"))
        u0 = self.next_id("users")
        self.seat0, self.head0 = u0, u0 + SEATS
        users: list[dict[str, Any]] = []

        def user(uid: int, username: str, name: str, org: int, superior: int | None, level: str, tier: str,
                 role: str, hired_days_ago: int) -> None:
            users.append({"id": uid, "u": username, "w": username.upper(), "n": name, "o": org, "sup": superior,
                          "lv": level, "ti": tier, "h": hashed, "role": role,
                          "c": PINNED_NOW - timedelta(days=hired_days_ago)})

        managers = [manager01] + [self.head0 + DEPTS + b - 1 for b in range(1, BRANCHES)]
        for s in range(SEATS):
            d = s // SEATS_PER_DEPT
            level, tier = ("中级", "P2") if s % 5 == 0 else ("初级", "P1")
            # hired from 3 years ago to 2 months ago; every 17th seat is new (hired in the last 60 days)
            hired = 60 + (s * 7919) % 1035 if s % 17 else 5 + (s * 13) % 55
            user(self.seat0 + s, f"big_s{s:04d}", f"压测坐席{s:04d}", self.dept0 + d, self.head0 + d, level, tier,
                 "seat", hired)
        for d in range(DEPTS):
            user(self.head0 + d, f"big_h{d:02d}", f"压测主管{d:02d}", self.dept0 + d, managers[d // DEPTS_PER_BRANCH],
                 "管理", "M1", "dept_head", 1100)
        extra = self.head0 + DEPTS
        for b in range(1, BRANCHES):
            user(extra + b - 1, f"big_m{b}", f"压测城经{b}", branch_ids[b], None, "管理", "M2", "city_manager", 1200)
        self.finance0 = extra + BRANCHES - 1
        self.service0 = self.finance0 + BRANCHES
        for b in range(BRANCHES):
            user(self.finance0 + b, f"big_f{b}", f"压测财务{b}", branch_ids[b], None, "", "", "finance", 1200)
            user(self.service0 + b, f"big_t{b}", f"压测投服{b}", branch_ids[b], None, "", "", "investor_service", 1200)
        conn.execute(sa.text(
            "INSERT INTO users (id, username, work_no, name, org_id, superior_id, level, tier, weight, status, phone, "
            "email, password_hash, failed_logins, created_at) VALUES (:id, :u, :w, :n, :o, :sup, :lv, :ti, 1, "
            "'active', '', '', :h, 0, :c)").bindparams(sa.bindparam("c", type_=_utc())), users)
        roles = dict(conn.execute(sa.text("SELECT code, id FROM role")).all())
        conn.execute(sa.text("INSERT INTO user_role (user_id, role_id) VALUES (:u, :r)"),
                     [{"u": u["id"], "r": roles[u["role"]]} for u in users])
        # Projects: two a month over the year, copied from a demo project (category, terms), staged by age.
        template = conn.scalar(sa.text("SELECT min(id) FROM project"))
        self.p0 = self.next_id("project")
        self.projects = 24
        rows = []
        for p in range(self.projects):
            start = self.today - timedelta(days=DAYS - (p // 2) * 30)
            stage = "completed" if p < 4 else "income" if p < 18 else "raised" if p < 20 else "raising"
            if p == 9:
                stage = "failed"
            rows.append({"id": self.p0 + p, "code": f"BIG{p:04d}", "name": f"压测{p + 1}号", "stage": stage,
                         "rs": start, "re": start + timedelta(days=45), "vd": start + timedelta(days=50),
                         "md": start + timedelta(days=50 + 365), "org": branch_ids[p % BRANCHES],
                         "tpl": template})
        conn.execute(sa.text(
            "INSERT INTO project (id, code, name, category_id, org_id, manager_id, raise_target, lp_amount, lp_count, "
            "min_subscription, expected_yield, term_months, interest_schedule, risk_level, raise_start, raise_end, "
            "value_date, maturity_date, description, stage, failure_reason, stage_changed_at, created_by_id, "
            "created_at) SELECT :id, :code, :name, category_id, :org, manager_id, 500000000, lp_amount, lp_count, "
            "min_subscription, expected_yield, term_months, interest_schedule, risk_level, :rs, :re, :vd, :md, "
            "description, :stage, '', stage_changed_at, created_by_id, created_at FROM project WHERE id = :tpl"),
            rows)
        conn.commit()
        self.timings["orgs, users, projects"] = time.perf_counter() - started

    def customers(self) -> None:
        n = self.n["customers"]
        self.c0 = self.next_id("customer")
        k = "i"
        r = f"({k} % 100)"  # the pool and type block: 0-54 personal, 55-64 department, 65-87 public, …
        seat = self.seat_of(k)
        dept = self.dept_of_seat(seat)
        pool = (f"CASE WHEN {r} < 55 THEN 'personal' WHEN {r} < 65 THEN 'department' WHEN {r} < 88 THEN 'public' "
                f"WHEN {r} < 93 THEN 'city' WHEN {r} < 95 THEN 'head' ELSE 'invalid' END")
        ctype = (f"CASE WHEN {r} < 15 THEN 'new' WHEN {r} < 35 THEN 'intent' WHEN {r} < 45 THEN 'valid' "
                 f"WHEN {r} < 55 THEN 'dealt' WHEN {r} >= 95 THEN 'invalid' WHEN {r} % 3 = 0 THEN 'new' "
                 "ELSE 'intent' END")
        branch = f"CASE WHEN {dept} < {DEPTS_PER_BRANCH} THEN :sh ELSE :b1 + {dept} / {DEPTS_PER_BRANCH} - 1 END"
        org = f"CASE WHEN {r} < 65 OR {r} >= 93 THEN :dept0 + {dept} ELSE {branch} END"
        created_off = f"(({k}) * {730 * 86400 // n} + {h(k, 'misc', 3600)})"
        created = self.ts(created_off)
        personal = f"{r} < 55"
        source = (f"CASE {h(k, 'src', 10)} WHEN 0 THEN 'web' WHEN 1 THEN 'referral' WHEN 2 THEN 'salon' "
                  "WHEN 3 THEN 'import' WHEN 4 THEN 'import' WHEN 5 THEN 'walk_in' WHEN 6 THEN 'other' "
                  "ELSE 'phone' END")
        import_no = self.pad(f"{k} / {max(1, n // 200)}", 3)
        batch = f"CASE WHEN {h(k, 'src', 10)} IN (3, 4) THEN 'BIG-IMP-' || {import_no} ELSE '' END"
        grade = f"CASE {h(k, 'grade', 4)} WHEN 0 THEN 'A' WHEN 1 THEN 'B' WHEN 2 THEN 'C' ELSE '' END"
        followups = h(k, "misc", 19)
        last = self.ts(f"{self.now_off} - {h(k, 'grade', 30)} * 86400 - 3600 * {h(k, 'src', 12)}")
        self.step("customers", f"""
            INSERT INTO customer (id, number, name, gender, id_type, type, grade, source, import_batch, tags, remark,
                service_seat_id, service_org_id, pool, pool_reason, pool_changed_at, assigned_at, followup_count,
                valid_call_count, last_followup_at, recycle_count, red_flag_reason, invalid_reason, invalid_note,
                invalid_at, created_at, updated_at)
            SELECT :c0 + {k}, 'BD' || {self.pad(k, 9)}, '压测客户' || {k},
                CASE {k} % 3 WHEN 0 THEN 'male' WHEN 1 THEN 'female' ELSE 'unknown' END, 'id_card', {ctype}, {grade},
                {source}, {batch}, '', '',
                CASE WHEN {personal} THEN :seat0 + {seat} END, {org}, {pool},
                CASE WHEN {personal} THEN 'assign' WHEN {r} < 65 THEN 'import' WHEN {r} >= 95 THEN 'invalid'
                     ELSE 'release' END,
                {created}, CASE WHEN {personal} THEN {created} END,
                CASE WHEN {personal} THEN {followups} ELSE 0 END,
                CASE WHEN {personal} THEN {followups} / 4 ELSE 0 END,
                CASE WHEN {personal} AND {followups} > 0 THEN {last} END,
                CASE WHEN {r} >= 65 AND {r} < 93 THEN 1 + {k} % 3 ELSE 0 END, '',
                CASE WHEN {r} >= 95 THEN 'empty_number' ELSE '' END, '',
                CASE WHEN {r} >= 95 THEN {created} END, {created}, {created}
            FROM {self.series(n)}""", c0=self.c0, seat0=self.seat0, dept0=self.dept0, sh=self.branch_ids[0],
                  b1=self.branch_ids[1])

    def pick_customer(self, index: str, day_off: str, purpose_q: str, purpose_r: str, lo: int, width: int) -> str:
        """SQL: a customer index k created before day ``day_off`` (from T0) whose block position (k % 100)
        is in [lo, lo + width)."""
        n = self.n["customers"]
        blocks = f"(({day_off}) * {n // 100} / 730)"  # whole blocks created before that day (≥ 10: day ≥ 366)
        return f"(100 * ({h(index, purpose_q, 1 << 30)} % {blocks}) + {lo} + {h(index, purpose_r, width)})"

    def follow_ups(self) -> None:
        n = self.n["follow_ups"]
        f0 = self.next_id("follow_up")
        day_off = f"(366 + i * {DAYS} / {n})"
        at_off = self.day_time(day_off, "i", "ftime")
        inner = (f"SELECT i, {day_off} AS day_off, {at_off} AS at_off, "
                 f"{self.pick_customer('i', day_off, 'fq', 'fcust', 0, 55)} AS k, {h('i', 'fkind', 100)} AS kind_r, "
                 f"{h('i', 'fconn', 100)} AS conn_r, {h('i', 'fdur', 900)} AS dur_r, {h('i', 'fres', 6)} AS res_r "
                 f"FROM {self.series(n)}")
        kind = ("CASE WHEN kind_r < 80 THEN 'call' WHEN kind_r < 86 THEN 'visit' WHEN kind_r < 90 THEN "
                "'incoming_visit' WHEN kind_r < 96 THEN 'invitation' ELSE 'salon' END")
        call = "kind_r < 80"
        result = ("CASE WHEN kind_r < 80 AND conn_r >= 55 THEN 'no_answer' ELSE CASE res_r WHEN 0 THEN 'interested' "
                  "WHEN 1 THEN 'considering' WHEN 2 THEN 'not_interested' WHEN 3 THEN 'callback' WHEN 4 THEN "
                  "'refused' ELSE 'considering' END END")
        at = self.ts("at_off")
        self.step("follow-ups", f"""
            INSERT INTO follow_up (id, customer_id, user_id, kind, at, phone, connected, valid, duration_seconds,
                result, content, created_at)
            SELECT :f0 + i, :c0 + k, :seat0 + {self.seat_of('k')}, {kind}, {at},
                CASE WHEN {call} THEN '138' || {self.pad('k', 8)} ELSE '' END,
                ({call} AND conn_r < 55), (NOT ({call}) OR conn_r < 30),
                CASE WHEN {call} AND conn_r < 30 THEN 60 + dur_r WHEN {call} AND conn_r < 55 THEN 5 + dur_r / 20
                     ELSE 0 END,
                {result}, '', {at}
            FROM ({inner}) AS g""", f0=f0, c0=self.c0, seat0=self.seat0)

    # Trade status by age: r in [0, 100) from the trade, "recent" = created in the last 30 days.
    STATUS_OLD = [(72, "income"), (84, "settled"), (90, "refunded"), (95, "failed"), (100, "awaiting_raise")]
    STATUS_RECENT = [(20, "finance_audit"), (32, "verification"), (44, "personal_contract"), (60, "awaiting_raise"),
                     (70, "collective_contract"), (76, "returned"), (96, "income"), (98, "refunded"), (100, "failed")]

    def trade_day_off(self, i: str) -> str:
        return f"(366 + ({i}) * {DAYS} / {self.n['trades']})"

    def trade_at_off(self, i: str) -> str:
        return self.day_time(self.trade_day_off(i), i, "ttime")

    @staticmethod
    def trade_path(i: str, status: str) -> str:
        """SQL: the review path of trade i (see PATHS): 0 straight, 1 returned at finance audit, 2 returned at
        verification, 3 both; a trade now 已退回待修订 has had a return."""
        base = (f"CASE WHEN {h(i, 'tpath', 100)} < 55 THEN 0 WHEN {h(i, 'tpath', 100)} < 70 THEN 1 "
                f"WHEN {h(i, 'tpath', 100)} < 95 THEN 2 ELSE 3 END")
        return f"CASE WHEN {status} = 'returned' AND ({base}) = 0 THEN 2 ELSE {base} END"

    def trades(self) -> None:
        n = self.n["trades"]
        self.t_first = self.next_id("trade")
        self.i0 = self.next_id("process_instance")
        self.model_id = self.conn.scalar(sa.text(
            "SELECT id FROM process_model WHERE key = 'trade_review' ORDER BY version DESC LIMIT 1"))

        def cases(pairs: list[tuple[int, str]]) -> str:
            return "CASE " + " ".join(f"WHEN st_r < {limit} THEN '{name}'" for limit, name in pairs[:-1]) + \
                f" ELSE '{pairs[-1][1]}' END"

        day_off = self.trade_day_off("i")
        inner = (f"SELECT i, {day_off} AS day_off, {self.trade_at_off('i')} AS at_off, "
                 f"{self.pick_customer('i', day_off, 'tq', 'tcust', 45, 10)} AS k, {h('i', 'tamt', 50)} AS amt_r, "
                 f"{h('i', 'tstat', 100)} AS st_r FROM {self.series(n)}")
        status = (f"CASE WHEN day_off > {730 - 30} THEN {cases(self.STATUS_RECENT)} "
                  f"ELSE {cases(self.STATUS_OLD)} END")
        staged = (f"SELECT g.*, {status} AS status, 100000 * (1 + amt_r * amt_r / 49) AS amount, "
                  f"{self.seat_of('k')} AS seat FROM ({inner}) AS g")
        path = self.trade_path("i", "status")
        confirmed = "(status <> 'finance_audit' AND NOT (status = 'returned' AND path IN (1, 3)))"
        arrival = self.day(self.least("day_off + i % 2", "730"))
        contracted = "status IN ('awaiting_raise', 'collective_contract', 'income', 'settled')"
        trade_no = "'BJ' || " + self.pad("i", 8)
        project = self.least("(day_off - 366) / 31 * 2 + i % 2", str(self.projects - 1))
        self.step("trades", f"""
            INSERT INTO trade (id, trade_no, customer_id, project_id, seat_id, org_id, intended_amount, arrival_amount,
                arrival_date, arrival_confirmed, status, status_reason, returned_from, review_round, contract_no,
                bank_name, bank_account, remark, value_date, interest_paid_to, settled_on, review_instance_id,
                status_changed_at, created_at)
            SELECT :t_first + i, {trade_no}, :c0 + k, :p0 + {project}, :seat0 + seat,
                :dept0 + {self.dept_of_seat('seat')}, amount, amount,
                CASE WHEN {confirmed} THEN {arrival} END, {confirmed}, status, '',
                CASE WHEN status = 'returned' THEN CASE WHEN path = 2 THEN 'verification' ELSE 'finance_audit' END
                     ELSE '' END,
                CASE WHEN path = 0 OR status = 'returned' THEN 1 WHEN path = 3 THEN 3 ELSE 2 END,
                CASE WHEN {contracted} THEN 'HT-' || {trade_no} ELSE '' END, '', '', '',
                CASE WHEN status IN ('income', 'settled') THEN {self.day('day_off + 7')} END, NULL,
                CASE WHEN status = 'settled' THEN {self.day(self.least('day_off + 187', '730'))} END,
                :i0 + i, {self.ts('at_off + 3600')}, {self.ts('at_off')}
            FROM (SELECT s.*, {path} AS path FROM ({staged}) AS s) AS t""",
                  t_first=self.t_first, c0=self.c0, p0=self.p0, seat0=self.seat0, dept0=self.dept0, i0=self.i0)
        instance_status = ("CASE WHEN status IN ('income', 'settled', 'refunded', 'failed') THEN 'completed' "
                           "WHEN status = 'awaiting_raise' THEN 'waiting' "
                           f"WHEN {h('id', 'misc', 50)} = 0 THEN 'error' ELSE 'running' END")
        self.step("process instances", f"""
            INSERT INTO process_instance (id, model_id, process_key, business_key, title, status, org_id, owner_id,
                serialized, serializer_version, started_by_id, started_at, updated_at, completed_at, next_timer_at,
                timer_failures, error_message, end_reason, version_id)
            SELECT review_instance_id, :model, 'trade_review', 'trade:' || id, trade_no || ' · 压测', st, org_id,
                seat_id, '{{}}', 'bench-bigdata', seat_id, created_at, status_changed_at,
                CASE WHEN st = 'completed' THEN status_changed_at END, NULL, 0,
                CASE WHEN st = 'error' THEN '压测：脚本任务出错' ELSE '' END,
                CASE WHEN status = 'refunded' THEN '已退款' WHEN status = 'failed' THEN '认购交易失败' ELSE '' END, 1
            FROM (SELECT t.*, {instance_status} AS st FROM trade t WHERE id >= :t_first) AS x""",
                  model=self.model_id, t_first=self.t_first)

    # The review chain per path: (path, seq, element, outcome when done, min hours, spread hours).
    FA, VE, PC, CC, RV = ("finance_audit", "verification", "personal_contract", "collective_contract", "revision")
    HOURS = {FA: (2, 46), VE: (0.5, 8), PC: (1, 24), CC: (1, 20), RV: (0.5, 24)}
    PATHS = {0: [(FA, "pass"), (VE, "pass"), (PC, "pass"), (CC, "pass")],
             1: [(FA, "return"), (RV, "resubmit"), (FA, "pass"), (VE, "pass"), (PC, "pass"), (CC, "pass")],
             2: [(FA, "pass"), (VE, "return"), (RV, "resubmit"), (FA, "pass"), (VE, "pass"), (PC, "pass"),
                 (CC, "pass")],
             3: [(FA, "return"), (RV, "resubmit"), (FA, "pass"), (VE, "return"), (RV, "resubmit"), (FA, "pass"),
                 (VE, "pass"), (PC, "pass"), (CC, "pass")]}
    TASK_META = {FA: ("交易财务审核", "财务", "finance", "trade_finance_audit", 24),
                 VE: ("交易核对", "投服", "investor_service", "trade_verification", 24),
                 PC: ("确认个人合同", "投服", "investor_service", "trade_personal_contract", 48),
                 CC: ("确认集体合同", "投服", "investor_service", "trade_collective_contract", 72),
                 RV: ("交易修订", "坐席", "seat", "trade_revision", 48)}

    def tasks(self) -> None:
        """The task history of every trade_review instance, as far as its trade got."""
        values = []
        for path, steps in self.PATHS.items():
            for seq, (element, outcome) in enumerate(steps):
                lo, spread = self.HOURS[element]
                name, lane, role, form, due = self.TASK_META[element]
                values.append(f"({path}, {seq}, {len(steps)}, '{element}', '{outcome}', {int(lo * 3600)}, "
                              f"{int(spread * 3600)}, '{name}', '{lane}', '{role}', '{form}', {due * 3600})")
        first_rv = {0: 0, 1: 2, 2: 3, 3: 2}
        upto = ("CASE t.status WHEN 'finance_audit' THEN s.total - 3 WHEN 'verification' THEN s.total - 2 "
                "WHEN 'personal_contract' THEN s.total - 1 WHEN 'awaiting_raise' THEN s.total - 1 "
                "WHEN 'failed' THEN s.total - 1 WHEN 'refunded' THEN s.total - 1 "
                "WHEN 'returned' THEN CASE t.path " + " ".join(f"WHEN {p} THEN {v}" for p, v in first_rv.items()) +
                " END ELSE s.total END")
        still_open = "('finance_audit', 'verification', 'personal_contract', 'collective_contract', 'returned')"
        path = self.trade_path("id - :t_first", "status")
        created_off = self.trade_at_off("id - :t_first")
        chosen = f"""
            SELECT t.id AS trade_id, t.seat_id, t.org_id, t.trade_no, t.status, t.c_off, s.seq, s.element_id,
                s.outcome, s.name, s.lane, s.role, s.form_key, s.due_s,
                s.lo + {h('t.id * 16 + s.seq', 'dur', 1 << 30)} % s.spread AS dur,
                CASE WHEN t.status IN {still_open} AND s.seq = ({upto}) - 1 THEN 1 ELSE 0 END AS is_open
            FROM (SELECT id, seat_id, org_id, trade_no, status, {path} AS path, {created_off} AS c_off
                  FROM trade WHERE id >= :t_first) AS t
            JOIN steps AS s ON s.path = t.path
            WHERE s.seq < ({upto})"""
        windowed = f"""
            SELECT c.*, SUM(dur) OVER (PARTITION BY trade_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS cum,
                SUM(dur) OVER (PARTITION BY trade_id) AS total_dur,
                ROW_NUMBER() OVER (ORDER BY trade_id, seq) - 1 AS rn
            FROM ({chosen}) AS c"""
        # compress a trade's chain into the time left before now (recent trades), keep the last open task open
        factor = (f"CASE WHEN c_off + total_dur > {self.now_off} - 60 THEN ({self.now_off} - 60 - c_off) * 1.0 / "
                  "total_dur ELSE 1.0 END")
        timed = (f"SELECT w.*, CAST((cum - dur) * f AS INTEGER) AS start_s, CAST(cum * f AS INTEGER) AS end_s, "
                 f"CAST(((cum - dur) + dur * (10 + {h('trade_id * 16 + seq', 'wait', 60)}) / 100.0) * f AS INTEGER) "
                 f"AS claim_s FROM (SELECT w0.*, {factor} AS f FROM ({windowed}) AS w0) AS w")
        worker = (f"CASE WHEN role = 'seat' THEN seat_id WHEN role = 'finance' THEN :fin0 + dept / "
                  f"{DEPTS_PER_BRANCH} ELSE :svc0 + dept / {DEPTS_PER_BRANCH} END")
        claimed = f"(is_open = 0 OR {h('trade_id', 'wait', 3)} = 0)"
        has_claimed = self.has_column("workflow_task", "claimed_at")
        task_w0 = self.next_id("workflow_task")
        self.step("workflow tasks", f"""
            INSERT INTO workflow_task (id, instance_id, task_guid, element_id, name, process_key, business_key, title,
                lane, candidate_role, org_id, owner_id, assignee_id, form_key, status, due_at, created_at,
                completed_at, completed_by_id, outcome, comment{', claimed_at' if has_claimed else ''})
            WITH steps(path, seq, total, element_id, outcome, lo, spread, name, lane, role, form_key, due_s) AS (
                VALUES {', '.join(values)})
            SELECT :w0 + rn, :i0 + trade_id - :t_first, 'big-' || {self.pad('rn', 12)}, element_id, name,
                'trade_review', 'trade:' || trade_id, trade_no || ' · 压测', lane, role, org_id, seat_id,
                CASE WHEN {claimed} THEN {worker} END, form_key,
                CASE WHEN is_open = 1 THEN 'open' ELSE 'completed' END,
                {self.ts('c_off + start_s + due_s')}, {self.ts('c_off + start_s')},
                CASE WHEN is_open = 0 THEN {self.ts('c_off + end_s')} END,
                CASE WHEN is_open = 0 THEN {worker} END,
                CASE WHEN is_open = 0 THEN outcome ELSE '' END, ''
                {f", CASE WHEN {claimed} THEN {self.ts('c_off + claim_s')} END" if has_claimed else ''}
            FROM (SELECT x.*, org_id - :dept0 AS dept FROM ({timed}) AS x) AS y""",
                  w0=task_w0, i0=self.i0, t_first=self.t_first, fin0=self.finance0, svc0=self.service0,
                  dept0=self.dept0)

    def has_column(self, table: str, column: str) -> bool:
        return column in {c["name"] for c in sa.inspect(self.conn).get_columns(table)}

    # (share of 100, reason, from pool, to pool, seat side: "to" / "from" / None, actor: seat / head / None)
    MOVES = [(25, "assign", "department", "personal", "to", "head"),
             (15, "extract", "public", "personal", "to", "seat"),
             (10, "release", "personal", "public", "from", "seat"),
             (8, "recycle_no_call", "personal", "public", "from", None),
             (5, "recycle_max_followups", "personal", "public", "from", None),
             (10, "recycle_few_followups", "personal", "city", "from", None),
             (2, "red_flag", "personal", "head", "from", None), (10, "import", None, "department", None, "head"),
             (5, "create", None, "personal", "to", "seat"), (5, "distribute", "department", "personal", "to", None),
             (3, "to_department", "public", "department", None, "head"), (2, "invalid", "personal", "invalid", "from",
                                                                            "seat")]

    def pool_history(self) -> None:
        n = self.n["pool_history"]
        ph0 = self.next_id("pool_history")
        bounds, acc = [], 0
        for share, *move in self.MOVES:
            acc += share
            bounds.append((acc, move))
        assert acc == 100

        def pick(column: int) -> str:
            parts = []
            for limit, move in bounds:
                value = move[column]
                parts.append(f"WHEN mv < {limit} THEN " + (f"'{value}'" if isinstance(value, str) else "NULL"))
            return "CASE " + " ".join(parts) + " END"

        side = pick(3)
        actor = pick(4)
        day_off = f"(366 + i * {DAYS} / {n})"
        inner = (f"SELECT i, {self.day_time(day_off, 'i', 'htime')} AS at_off, "
                 f"{self.pick_customer('i', day_off, 'hcust', 'misc', 0, 100)} AS k, "
                 f"{h('i', 'hreason', 100)} AS mv FROM {self.series(n)}")
        seat = self.seat_of("k")
        self.step("pool history", f"""
            INSERT INTO pool_history (id, customer_id, at, from_pool, to_pool, from_seat_id, to_seat_id, org_id, reason,
                actor_id, note, run_id)
            SELECT :ph0 + i, :c0 + k, {self.ts('at_off')}, {pick(1)}, {pick(2)},
                CASE WHEN {side} = 'from' THEN :seat0 + {seat} END, CASE WHEN {side} = 'to' THEN :seat0 + {seat} END,
                :dept0 + {self.dept_of_seat(seat)}, {pick(0)},
                CASE {actor} WHEN 'seat' THEN :seat0 + {seat} WHEN 'head' THEN :head0 + {self.dept_of_seat(seat)} END,
                '', NULL
            FROM ({inner}) AS g""", ph0=ph0, c0=self.c0, seat0=self.seat0, dept0=self.dept0, head0=self.head0)

    def intent_marks(self) -> None:
        """意向 marks: the personal intent customers (block 15–34) became 意向 for their seat within 20 days of
        creation (those created in the last year)."""
        n = self.n["customers"]
        first = n // 2  # created in the last 365 of the 730 days
        count = n - first
        k = f"({first} + i)"
        day = self.least(f"{k} * 730 / {n} + {h(k, 'mark', 20)}", "730")
        self.step("intent marks", f"""
            INSERT INTO quota_intent_mark (user_id, day, customer_id)
            SELECT :seat0 + {self.seat_of(k)}, {self.day(day)}, :c0 + {k}
            FROM {self.series(count)} WHERE {k} % 100 >= 15 AND {k} % 100 < 35""", seat0=self.seat0, c0=self.c0)

    def facts(self, session: Any) -> None:
        """The quota daily facts of the year, by the app's own set-based rebuild."""
        from app.quotas import facts

        started = time.perf_counter()
        rows = facts.rebuild(session, self.today - timedelta(days=DAYS - 1), self.today)
        session.commit()
        self.timings["facts rebuild"] = time.perf_counter() - started
        if self.verbose:
            print(f"    facts rebuild: {self.timings['facts rebuild']:.1f} s ({rows:,} seat-days)", flush=True)


def _utc() -> Any:
    from app.database import UTCDateTime

    return UTCDateTime()


__all__ = ["PASSWORD", "PINNED_NOW", "BigIds", "big_app", "bench_scale", "build", "login"]
