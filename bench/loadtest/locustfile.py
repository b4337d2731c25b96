"""Locust users for ``make loadtest``: seats, finance and managers on two web processes (bench/loadtest/run.py).

Each user logs in on one of LOADTEST_HOSTS and keeps to it; when that process stops answering (connection
refused or reset) the user fails over to the next host and carries on with the same session cookie, as a
browser behind a load balancer would. CSRF stays on: every POST carries the token from the page's form.
Expected business answers are not errors: 409 "已被他人认领/办理" when two users race for one task, and 404
on a claim whose task another user has just claimed (the app hides a task taken by someone else).
Failures are appended to LOADTEST_ERRORS (JSON lines: time, port, name, status, error) for the report.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from datetime import date
from itertools import count
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

HOSTS = [h.rstrip("/") for h in os.environ.get("LOADTEST_HOSTS", "http://127.0.0.1:5101").split(",") if h]
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Licai@demo2026")
ERRORS_FILE = os.environ.get("LOADTEST_ERRORS", "")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')
CUSTOMER_LINK = re.compile(r'href="/customers/(\d+)"')
FIELD = re.compile(r'name="(intended_amount|arrival_amount)"[^>]*value="([^"]*)"')
_serial = count()


@events.request.add_listener
def _record_failure(request_type: str, name: str, response_time: float, response_length: int,
                    response: Any = None, context: dict[str, Any] | None = None, exception: Any = None,
                    url: str = "", **_kwargs: Any) -> None:
    """Append each failed request to LOADTEST_ERRORS so run.py can split errors by the killed port."""
    if exception is None or not ERRORS_FILE:
        return
    status = getattr(response, "status_code", 0) if response is not None else 0
    port = urlsplit(url).port if url else (context or {}).get("port")
    with open(ERRORS_FILE, "a", encoding="utf-8") as out:
        out.write(json.dumps({"t": time.time(), "port": port, "name": f"{request_type} {name}", "status": status,
                              "error": str(exception)[:200]}, ensure_ascii=False) + "\n")


class Worker(HttpUser):
    """A logged-in person on one of the web processes, failing over to the next one when it dies."""

    abstract = True
    host = HOSTS[0]
    wait_time = between(0.5, 2.0)
    accounts: tuple[str, ...] = ()

    def on_start(self) -> None:
        serial = next(_serial)
        self.current = serial % len(HOSTS)
        self.username = self.accounts[serial % len(self.accounts)]
        self.login()

    # --- plumbing ------------------------------------------------------------------------------------
    def send(self, method: str, path: str, name: str, expected: tuple[int, ...] = (), **kwargs: Any) -> Any:
        """One request to the current host; a dead host (status 0) makes this user fail over to the next."""
        base = HOSTS[self.current]
        with self.client.request(method, base + path, name=name, catch_response=True,
                                 context={"port": urlsplit(base).port}, **kwargs) as response:
            if response.status_code == 0:
                response.failure(f"connection: {response.error}")
                self.current = (self.current + 1) % len(HOSTS)
            elif response.status_code in expected:
                response.success()
            elif response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}")
            elif "/login" in response.url and "/login" not in path:
                response.failure("logged out")
            else:
                response.success()
            return response

    def login(self) -> None:
        page = self.send("GET", "/login", "/login")
        token = CSRF.search(page.text or "")
        if token is None:
            return
        self.send("POST", "/login", "/login [POST]",
                  data={"csrf_token": token.group(1), "username": self.username, "password": PASSWORD})

    def token(self, html: str | None) -> str | None:
        found = CSRF.search(html or "")
        return found.group(1) if found else None


class Seat(Worker):
    """坐席: home, pools, current customers, the inbox; extracts the next customer from the public pool."""

    weight = 5
    accounts = ("seat01", "seat02", "seat11")

    @task(3)
    def home(self) -> None:
        self.send("GET", "/", "/")

    @task(3)
    def personal_pool(self) -> None:
        page = self.send("GET", "/pools/personal", "/pools/personal")
        ids = CUSTOMER_LINK.findall(page.text or "")
        if ids:
            self.send("GET", f"/customers/{random.choice(ids)}", "/customers/[id]")

    @task(2)
    def workbench(self) -> None:
        self.send("GET", "/customers/workbench/current", "/customers/workbench/current")

    @task(2)
    def inbox(self) -> None:
        page = self.send("GET", "/tasks/?tab=group", "/tasks/?tab=group")
        ids = TASK_LINK.findall(page.text or "")
        token = self.token(page.text)
        if ids and token:
            self.send("POST", f"/tasks/{random.choice(ids)}/claim", "/tasks/[id]/claim", expected=(404, 409),
                      data={"csrf_token": token}, allow_redirects=False)

    @task(2)
    def extract_next(self) -> None:
        page = self.send("GET", "/pools/public", "/pools/public")
        token = self.token(page.text)
        if token:
            self.send("POST", "/pools/public/next", "/pools/public/next", expected=(409, 422),
                      data={"csrf_token": token}, allow_redirects=False)


class Finance(Worker):
    """财务: claims a trade's 交易财务审核 from the group inbox and completes it with the arrival recorded."""

    weight = 3
    accounts = ("finance01", "finance02", "finance11")

    @task(1)
    def queue(self) -> None:
        self.send("GET", "/trades/queue/finance_audit", "/trades/queue/finance_audit")

    @task(4)
    def review_one(self) -> None:
        mine = self.send("GET", "/tasks/?tab=mine&process=trade_review", "/tasks/?tab=mine")
        ids = TASK_LINK.findall(mine.text or "")
        if not ids:
            group = self.send("GET", "/tasks/?tab=group&process=trade_review", "/tasks/?tab=group")
            ids = TASK_LINK.findall(group.text or "")
            token = self.token(group.text)
            if not ids or not token:
                return
            task_id = random.choice(ids)
            claimed = self.send("POST", f"/tasks/{task_id}/claim", "/tasks/[id]/claim", expected=(404, 409),
                                data={"csrf_token": token}, allow_redirects=False)
            if claimed.status_code != 302:
                return
            ids = [task_id]
        task_id = ids[0]
        page = self.send("GET", f"/tasks/{task_id}", "/tasks/[id]")
        token = self.token(page.text)
        if page.status_code != 200 or token is None:
            return
        fields = dict(FIELD.findall(page.text or ""))
        amount = fields.get("arrival_amount") or fields.get("intended_amount") or "1000000"
        self.send("POST", f"/tasks/{task_id}/complete", "/tasks/[id]/complete", expected=(409,),
                  data={"csrf_token": token, "outcome": "pass", "arrival_date": date.today().isoformat(),
                        "arrival_amount": amount, "comment": "压测：到账核对无误"}, allow_redirects=False)


class Manager(Worker):
    """城市经理 and 部门主管: cockpits, reports, pools and customers of their scope."""

    weight = 2
    accounts = ("manager01", "head01", "head11")
    pages = {"manager01": ("/cockpits/leadership", "/cockpits/leadership/moves", "/reports/trades/",
                           "/reports/pools/", "/reports/followups/", "/customers/"),
             "head01": ("/cockpits/manager", "/reports/trades/", "/reports/followups/", "/pools/department",
                        "/customers/"),
             "head11": ("/cockpits/manager", "/reports/trades/", "/pools/department", "/customers/")}

    @task
    def report(self) -> None:
        path = random.choice(self.pages[self.username])
        self.send("GET", path, path)
