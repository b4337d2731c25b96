"""Extra work for the load test on top of ``flask seed demo``: trades waiting at 交易财务审核, BPMN timers due
during the run, and extraction limits high enough that seats keep extracting from the public pool.

Run by bench/loadtest/run.py with LICAI_DATABASE_URL pointing at the load-test database.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TIMER_BPMN = Path(__file__).with_name("timer_wait.bpmn")
TIMER_PROCESS = "loadtest_timer"
RAISING_PROJECT = "XM2026002"  # 鑫安二号, publishing and raising in the demo data
SELLERS = ("seat01", "seat02", "seat11")


def seed(trades: int, timers: int, timers_from: float, timers_span: float) -> str:
    """Create the extra trades and timer instances; returns a one-line summary."""
    from sqlalchemy import select

    from app import clock, create_app
    from app.admin import params
    from app.auth.models import User
    from app.customers.models import Customer
    from app.extensions import db
    from app.products.models import Project
    from app.trades.services import TradeInput, create_trade
    from app.workflow import deploy, gateway

    app = create_app()
    with app.app_context():
        session = db.session
        params.set_value(session, "pools.daily_extract_limit", "100000")
        params.set_value(session, "pools.owned_customer_cap", "100000")
        project = session.scalar(select(Project).where(Project.code == RAISING_PROJECT))
        if project is None:
            raise SystemExit(f"项目 {RAISING_PROJECT} 不存在：先运行 flask seed demo")
        seats = [session.scalar(select(User).where(User.username == name)) for name in SELLERS]
        customers = {seat.id: list(session.scalars(select(Customer.id).where(Customer.service_seat_id == seat.id)
                                                   .order_by(Customer.id).limit(200)))
                     for seat in seats if seat is not None}
        for n in range(trades):
            seat = seats[n % len(seats)]
            assert seat is not None
            pool = customers[seat.id]
            data = TradeInput(project_id=project.id, intended_amount=Decimal(1_000_000 + 10_000 * (n % 50)),
                              bank_name="招商银行上海分行", bank_account=f"6225 9900 {n:06d}")
            create_trade(session, pool[n % len(pool)], data, seat)
            if n % 50 == 49:
                session.commit()
        session.commit()
        deploy.deploy(session, TIMER_BPMN.read_text(encoding="utf-8"), source="bench/loadtest")
        now = clock.now()
        for n in range(timers):
            due = now + timedelta(seconds=timers_from + timers_span * n / max(timers - 1, 1))
            gateway.start(session, TIMER_PROCESS, business_key=f"loadtest:{n}", title=f"压测定时器 {n}",
                          data={"due_at": due.isoformat()})
            if n % 50 == 49:
                session.commit()
        session.commit()
    return f"交易 {trades} 笔待财务审核，定时器 {timers} 个（{timers_from:.0f}s 起，{timers_span:.0f}s 内到期）"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trades", type=int, default=400)
    parser.add_argument("--timers", type=int, default=200)
    parser.add_argument("--timers-from", type=float, default=30.0, help="seconds from now to the first due timer")
    parser.add_argument("--timers-span", type=float, default=240.0, help="seconds over which timers fall due")
    args = parser.parse_args()
    print(seed(args.trades, args.timers, args.timers_from, args.timers_span))


if __name__ == "__main__":
    main()
