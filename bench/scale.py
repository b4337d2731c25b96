"""Combined search (组合查询) at 1,000,000 customers with phones and addresses, on SQLite and PostgreSQL.

    .venv/bin/python bench/scale.py                      # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/scale.py --customers 100000 --skip-pg

Generates the customers set-based into a scratch database (a temporary SQLite file, or a scratch PostgreSQL
database next to LICAI_BENCH_PG_URL, dropped afterwards) on top of the small demo: realistic Chinese names
(王 about 7 %), 18-digit ID numbers (some ending in X), a mobile for everyone and a landline for half,
one address each, tags, remarks and import numbers. The search index triggers are dropped while loading and
the index rebuilt set-based after, as a bulk migration would. Scopes: seat01 serves 1,000 personal customers,
head01's 理财一部 holds about 50,000, manager01 (上海分公司) sees all of them.

Each search page is requested through the app's test client as the demo user (median / p95 of the server
time, the count and the first page included), next to the same search as bare SQL with the new predicate,
and the baseline: the predicate before issue 16 (an OR of LIKEs on five columns plus EXISTS on phones and
addresses) as bare SQL count + page.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from _common import machine, median_ms, p95_ms, scratch_app, twin  # puts the repository on sys.path too
from sqlalchemy import ColumnElement, exists, or_, select

from app.customers import services
from app.customers.models import Customer, CustomerAddress, CustomerAlias, CustomerPhone
from app.extensions import db
from rules import phones as phone_rules

PASSWORD = "Licai@demo2026"  # noqa: S105  (the documented demo password)
P = 2147483647
# Surnames weighted roughly as in China (王 李 张 about 7 % each); given-name characters.
SURNAMES = "王王王王王王王李李李李李李李张张张张张张张刘刘刘刘刘陈陈陈陈陈杨杨杨杨黄黄黄赵赵赵吴吴周周徐徐孙孙马马朱朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红玲建国文辉力斌宇浩凯鹏飞鑫波宁雪琳晨欣怡梓涵子轩浩然一诺雨桐佳琪思远俊杰嘉怡志强海燕春梅金凤丹丹晓东永红立新建华德明"  # noqa: E501
DISTRICTS = "黄浦区徐汇区长宁区静安区普陀区虹口区杨浦区闵行区宝山区嘉定区浦东区金山区松江区青浦区奉贤区崇明区"
ROADS = "中山南京北京西藏延安淮海四川福州江苏长寿武宁曹杨真北沪太共和大连控江黄兴五角国权世纪张杨东方浦建龙阳锦绣"
TAGS = ("", "", "", "", "", "", "VIP", "高净值,老客户", "沙龙", "推荐")


def h(expr: str, a: int, modulo: int) -> str:
    """SQL: a pseudo-random integer in [0, modulo) from the integer ``expr``."""
    return f"((({expr}) * CAST({a} AS BIGINT) + {a % 9973}) % {P} % {modulo})"


class Loader:
    """Generates the customers, phones and addresses on one connection (index triggers off, rebuilt after)."""

    def __init__(self, conn: Any, n: int) -> None:
        self.conn = conn
        self.n = n
        self.pg = conn.dialect.name == "postgresql"

    def series(self) -> str:
        if self.pg:
            return f"generate_series(CAST(0 AS BIGINT), {self.n - 1}) AS s(i)"
        return (f"(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {self.n - 1}) "
                "SELECT i FROM s) AS s")

    def pad(self, expr: str, width: int) -> str:
        return f"lpad(CAST(({expr}) AS text), {width}, '0')" if self.pg else f"printf('%0{width}d', {expr})"

    def pick(self, chars: str, expr: str, width: int = 1) -> str:
        """SQL: the ``width``-character item number ``expr`` of the string ``chars``."""
        return f"substr('{chars}', CAST(({expr}) * {width} + 1 AS INTEGER), {width})"

    def run(self, orgs: dict[str, int], seat_id: int, c0: int) -> None:
        i = "i"
        given = (f"{self.pick(GIVEN, h(i, 48271, len(GIVEN)))} || CASE WHEN {h(i, 16807, 3)} > 0 "
                 f"THEN {self.pick(GIVEN, h(i, 69621, len(GIVEN)))} ELSE '' END")
        name = f"{self.pick(SURNAMES, h(i, 39373, len(SURNAMES)))} || {given}"
        check = f"CASE WHEN {h(i, 40692, 11)} = 10 THEN 'X' ELSE CAST({h(i, 40692, 11)} AS TEXT) END"
        id_number = (f"'3101' || {self.pad(h(i, 950706376, 100), 2)} || '19' "
                     f"|| {self.pad(h(i, 742938285, 50) + ' + 50', 2)} || {self.pad(h(i, 1343714438, 12) + ' + 1', 2)}"
                     f" || {self.pad(h(i, 1226874159, 28) + ' + 1', 2)}"
                     f" || {self.pad(h(i, 1583458089, 1000), 3)} || {check}")
        tags = "CASE " + h(i, 784306273, len(TAGS)) + " " + " ".join(
            f"WHEN {k} THEN '{tag}'" for k, tag in enumerate(TAGS)) + " END"
        remark = f"CASE WHEN {h(i, 397204094, 20)} = 0 THEN '周末方便联系' ELSE '' END"
        batch = f"CASE WHEN {h(i, 2027812917, 10)} < 3 THEN 'IMP-' || {self.pad(i + ' / 10000', 4)} ELSE '' END"
        grade = f"CASE {h(i, 1132489760, 4)} WHEN 0 THEN 'A' WHEN 1 THEN 'B' WHEN 2 THEN 'C' ELSE '' END"
        ctype = (f"CASE {h(i, 1080433385, 5)} WHEN 0 THEN 'new' WHEN 1 THEN 'intent' WHEN 2 THEN 'valid' "
                 "WHEN 3 THEN 'dealt' ELSE 'intent' END")
        # 1 in 1,000 is seat01's (personal pool); 1 in 20 in 理财一部 (department pool); the rest elsewhere in 上海.
        org = (f"CASE WHEN {i} % 1000 = 0 THEN {orgs['SH-LC1-A']} WHEN {i} % 20 = 1 THEN {orgs['SH-LC1']} "
               f"WHEN {i} % 2 = 0 THEN {orgs['SH-LC2']} ELSE {orgs['SH-BO']} END")
        seat = f"CASE WHEN {i} % 1000 = 0 THEN {seat_id} END"
        pool = f"CASE WHEN {i} % 1000 = 0 THEN 'personal' ELSE 'department' END"
        now = "CURRENT_TIMESTAMP" if self.pg else "strftime('%Y-%m-%d %H:%M:%f000', 'now')"
        self.step("customers", f"""
            INSERT INTO customer (id, number, name, gender, id_type, id_number, type, grade, source, import_batch,
                tags, remark, service_seat_id, service_org_id, pool, pool_reason, pool_changed_at, followup_count,
                valid_call_count, recycle_count, red_flag_reason, invalid_reason, invalid_note, created_at,
                updated_at)
            SELECT {c0} + i, 'KS' || {self.pad(i, 8)}, {name}, 'unknown', 'id_card', {id_number}, {ctype}, {grade},
                '', {batch}, {tags}, {remark}, {seat}, {org}, {pool}, 'import', {now}, 0, 0, 0, '', '', '',
                {now}, {now}
            FROM {self.series()}""")
        mobile = f"'1' || {self.pick('3456789', h(i, 1499144525, 7))} || {self.pad(h(i, 1808380159, 10**9), 9)}"
        self.step("mobiles", f"""
            INSERT INTO customer_phone (customer_id, phone, is_primary, remark)
            SELECT {c0} + i, {mobile}, TRUE, '' FROM {self.series()}""")
        landline = (f"'0' || {self.pick('21102025275710', h(i, 554160445, 7), 2)} || "
                    f"{self.pad(h(i, 182605794, 100000000), 8)}")
        self.step("landlines", f"""
            INSERT INTO customer_phone (customer_id, phone, is_primary, remark)
            SELECT {c0} + i, {landline}, FALSE, '' FROM {self.series()} WHERE i % 2 = 0""")
        address = (f"'上海市' || {self.pick(DISTRICTS, h(i, 1442850019, len(DISTRICTS) // 3), 3)} || "
                   f"{self.pick(ROADS, h(i, 2053252301, len(ROADS) // 2), 2)} || '路' || "
                   f"CAST({h(i, 1265484727, 999)} + 1 AS TEXT) || '号' || CAST({h(i, 1207460021, 30)} + 1 AS TEXT) "
                   f"|| '栋' || CAST({h(i, 1645656077, 2000)} + 101 AS TEXT) || '室'")
        self.step("addresses", f"""
            INSERT INTO customer_address (customer_id, kind, address, postcode, is_primary)
            SELECT {c0} + i, 'home', {address}, '', TRUE FROM {self.series()}""")

    def step(self, label: str, sql: str) -> None:
        started = time.perf_counter()
        self.conn.exec_driver_sql(sql.replace("%", "%%") if self.pg else sql)  # psycopg: % is a placeholder
        print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def without_index_triggers(conn: Any, load: Callable[[], None]) -> None:
    """Run ``load`` with the search index triggers off, then rebuild the index set-based."""
    started = time.perf_counter()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET session_replication_role = replica")  # no triggers (nor FK checks) here
        conn.exec_driver_sql("DROP INDEX ix_customer_search_body_trgm")
        conn.exec_driver_sql("DROP INDEX ix_customer_search_phones_trgm")
        conn.exec_driver_sql("DROP INDEX ix_customer_search_body_chars")
        load()
        conn.exec_driver_sql("SET session_replication_role = DEFAULT")
        rebuild = time.perf_counter()
        conn.exec_driver_sql("DELETE FROM customer_search")
        conn.exec_driver_sql("INSERT INTO customer_search (customer_id, body, phones) "
                             "SELECT customer_id, body, phones FROM customer_search_source")
        conn.exec_driver_sql("CREATE INDEX ix_customer_search_body_trgm ON customer_search "
                             "USING gin (body gin_trgm_ops)")
        conn.exec_driver_sql("CREATE INDEX ix_customer_search_phones_trgm ON customer_search "
                             "USING gin (phones gin_trgm_ops)")
        conn.exec_driver_sql("CREATE INDEX ix_customer_search_body_chars ON customer_search "
                             "USING gin (string_to_array(body, NULL))")
        conn.exec_driver_sql("ANALYZE")
    else:
        triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name LIKE 'customer_search%'").all()
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        load()
        rebuild = time.perf_counter()
        conn.exec_driver_sql("DELETE FROM customer_search")
        conn.exec_driver_sql("INSERT INTO customer_search_chars (customer_search_chars) VALUES ('delete-all')")
        # the character index is contentless (no 'rebuild'): its insert trigger fills it from the new rows
        chars_insert = [sql for name, sql in triggers if name == "customer_search_chars_insert"]
        conn.exec_driver_sql(chars_insert[0])
        conn.exec_driver_sql("INSERT INTO customer_search (customer_id, body, phones) "
                             "SELECT customer_id, body, phones FROM customer_search_source")
        conn.exec_driver_sql("INSERT INTO customer_search_fts (customer_search_fts) VALUES ('rebuild')")
        for name, sql in triggers:
            if name != "customer_search_chars_insert":
                conn.exec_driver_sql(sql)
        conn.exec_driver_sql("ANALYZE")
    print(f"  search index rebuilt in {time.perf_counter() - rebuild:.1f} s "
          f"(load + rebuild {time.perf_counter() - started:.1f} s)", flush=True)


def generate(n: int) -> None:
    orgs = dict(db.session.execute(sa.text("SELECT code, id FROM org")).all())
    seat_id = db.session.scalar(sa.text("SELECT id FROM users WHERE username = 'seat01'"))
    c0 = int(db.session.scalar(sa.text("SELECT coalesce(max(id), 0) FROM customer")) or 0) + 1000
    db.session.commit()
    with db.engine.begin() as conn:
        without_index_triggers(conn, lambda: Loader(conn, n).run(orgs, seat_id, c0))


# --- the predicate before issue 16, for the baseline ---------------------------------------------------------


def old_term_condition(term: str) -> ColumnElement[bool]:
    """The search word condition as services._term_condition built it before the index (the baseline)."""
    like = {"autoescape": True}
    digits = phone_rules.clean(term)
    conditions: list[ColumnElement[bool]] = [
        Customer.number == term.upper(),
        Customer.id.in_(select(CustomerAlias.customer_id).where(CustomerAlias.number == term.upper())),
        Customer.name.contains(term, **like), Customer.id_number.contains(term.upper(), **like),
        Customer.tags.contains(term, **like), Customer.remark.contains(term, **like),
        Customer.import_batch.contains(term, **like), Customer.grade == term.upper(),
        exists().where(CustomerAddress.customer_id == Customer.id, CustomerAddress.address.contains(term, **like)),
    ]
    if digits.isdigit() and len(digits) >= 3:
        conditions.append(exists().where(CustomerPhone.customer_id == Customer.id,
                                         CustomerPhone.phone.contains(digits, **like)))
    return or_(*conditions)


def bare_sql(username: str, q: str, types: tuple[str, ...], grade: str, old: bool) -> tuple[float, int]:
    """Count + first page (20 rows, newest first) as bare SQL in the user's scope; (seconds, count)."""
    user_id = db.session.scalar(sa.text("SELECT id FROM users WHERE username = :u"), {"u": username})
    from app.auth.models import User

    scope = services.customer_scope(db.session, db.session.get(User, user_id))
    stmt = services.scoped(select(Customer.id), scope)
    if old:
        for term in q.split():
            stmt = stmt.where(old_term_condition(term))
        stmt = services.filter_customers(stmt, services.CustomerFilter(types=types, grade=grade))
    else:
        stmt = services.filter_customers(stmt, services.CustomerFilter(q=q, types=types, grade=grade))
    started = time.perf_counter()
    total = db.session.scalar(select(sa.func.count()).select_from(stmt.subquery()))
    db.session.execute(stmt.order_by(Customer.id.desc()).limit(20)).all()
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed, int(total or 0)


def pick_terms(n: int) -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """(label, user, q, types, grade) for the searches the issue measures, cut from generated customers."""
    k = n * 123457 // 1_000_000
    sample = ("SELECT c.number, c.name, c.id_number, p.phone, a.address FROM customer c "
              "JOIN customer_phone p ON p.customer_id = c.id AND p.is_primary "
              "JOIN customer_address a ON a.customer_id = c.id WHERE c.number = :number")
    number, _name, id_number, phone, address = db.session.execute(sa.text(sample), {"number": f"KS{k:08d}"}).one()
    seat_row = db.session.execute(sa.text(sample), {"number": f"KS{k // 1000 * 1000:08d}"}).one()
    names = {length: db.session.scalar(sa.text("SELECT name FROM customer WHERE number > :number "
                                               "AND length(name) = :length ORDER BY number LIMIT 1"),
                                       {"number": f"KS{k:08d}", "length": length}) for length in (2, 3)}
    db.session.rollback()
    road = address[6:address.index("号") + 1]  # e.g. 中山路88号
    return [
        ("full name (3 characters)", "manager01", names[3], (), ""),
        ("full name (2 characters: no trigram)", "manager01", names[2], (), ""),
        ("7-digit phone fragment", "manager01", phone[2:9], (), ""),
        ("formatted phone +86 …", "manager01", f"+86-{phone[:3]}-{phone[3:7]}-{phone[7:]}", (), ""),
        ("10-char ID fragment", "manager01", id_number[6:16], (), ""),
        ("customer number", "manager01", number, (), ""),
        ("address fragment", "manager01", road, (), ""),
        ("tag 沙龙 + grade A + 意向", "manager01", "沙龙", ("intent",), "A"),
        ("surname 王 alone", "manager01", "王", (), ""),
        ("王 + type + grade", "head01", "王", ("intent",), "A"),
        ("王 + address fragment", "head01", f"王 {road[:3]}", (), ""),
        ("phone fragment", "head01", phone[3:10], (), ""),
        ("surname 王", "seat01", "王", (), ""),
        ("name", "seat01", seat_row[0], (), ""),
        ("phone fragment", "seat01", seat_row[3][4:11], (), ""),
    ]


def measure(kind: str, n: int, runs: int, baseline_runs: int) -> None:
    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not available, skipped")
            return
        print(f"{kind}: generating {n:,} customers with phones and addresses …", flush=True)
        generate(n)
        counts = {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
                  for table in ("customer", "customer_phone", "customer_address", "customer_search")}
        db.session.rollback()
        print("  rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
        web = twin(app)
        clients: dict[str, Any] = {}
        print(f"\n{kind} — {machine()}")
        print("| search | user | q | hits | page median / p95 (ms) | new SQL median (ms) | old SQL (ms) | old / new |")
        print("|---|---|---|---|---|---|---|---|")
        for label, username, q, types, grade in pick_terms(n):
            if username not in clients:
                clients[username] = web.test_client()
                response = clients[username].post("/login", data={"username": username, "password": PASSWORD})
                assert response.status_code in (302, 303), f"login of {username} failed"
            client = clients[username]
            args: dict[str, Any] = {"q": q}
            if types:
                args["type"] = list(types)
            if grade:
                args["grade"] = grade
            client.get("/customers/", query_string=args)  # warm the caches once
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get("/customers/", query_string=args)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            new_runs = [bare_sql(username, q, types, grade, old=False) for _ in range(runs)]
            hits = new_runs[0][1]
            old_runs = [bare_sql(username, q, types, grade, old=True) for _ in range(baseline_runs)]
            assert {total for _, total in old_runs} == {hits}, f"{q!r}: old {old_runs} new {hits}"
            new_ms = median_ms([t for t, _ in new_runs])
            old_ms = median_ms([t for t, _ in old_runs])
            filters = " ".join(filter(None, ["+".join(types), grade]))
            print(f"| {label} | {username} | `{q}` {filters} | {hits:,} | {median_ms(samples):.0f} / "
                  f"{p95_ms(samples):.0f} | {new_ms:.1f} | {old_ms:.0f} | {old_ms / new_ms:.0f}× |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=2)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        measure("sqlite", args.customers, args.runs, args.baseline_runs)
    if not args.skip_pg:
        measure("postgresql", args.customers, args.runs, args.baseline_runs)


if __name__ == "__main__":
    main()
