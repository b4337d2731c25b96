"""Hard limits of the sandbox: a corpus of resource-exhaustion payloads through a script task, a gateway
condition and a DMN cell. Each run stops within a bound with a Chinese message, the test process's own
memory stays bounded (the payloads run in sandbox worker processes), and no worker is left behind.

Limits are lowered for speed (1 s, 128 MB); the production defaults are 2 s and 256 MB.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
import time_machine
from flask import Flask

from app import clock, workflow
from app.extensions import db
from app.workflow import deploy, sandbox
from app.workflow.models import InstanceStatus
from scheduler.workflow_timers import advance_workflow_timers
from tests.conftest import DATA, make_app, user_named

TIME_LIMIT = 1.0  # under a load average of 9 on 2 cores, 0.5 s of wall clock is too little CPU to fill memory
MEMORY_MB = 128
STOP_WITHIN_SECONDS = 5.0
OWN_MEMORY_GROWTH_MB = 64

TIME, MEMORY, SIZE, REFUSED, LIMIT = "超出时间限制", "超出内存限制", "结果过大", "refused", "limit"
REFUSAL_WORDS = ("不允许", "过长", "过大", "过深", "出错", "不能通过安全检查", "只能调用", "不存在", "超过")


@dataclass(frozen=True)
class Payload:
    name: str
    script: str | None  # None: not a script payload
    script_stop: str = REFUSED
    expression: str | None = None  # the same attack written as a condition / DMN cell, where expressible
    expression_stop: str = REFUSED


BIG = "a = [0] * 100000\n"  # range() is capped at 1000 numbers by RestrictedPython: big loops iterate lists
CORPUS = [
    # CPU: one long built-in call that no line tracer interrupts
    Payload("pow_builtin", "x = pow(7, 60000000) % 10", TIME, "7 ** 60000000 % 10 == 1"),
    Payload("decimal_to_int", "x = int(Decimal('1e3000000'))", TIME, "int(Decimal('1e3000000')) > 0", TIME),
    Payload("decimal_percent_d", "x = '%d' % Decimal('1e3000000')", TIME,
            "len('%d' % Decimal('1e3000000')) > 0", TIME),
    Payload("decimal_huge_exponent", "x = int(Decimal('9e999999999'))", MEMORY,
            "int(Decimal('9e999999999')) > 0", MEMORY),
    Payload("int_from_long_text", "x = int('9' * 100000)", REFUSED, "int('9' * 100000) > 0"),
    Payload("str_of_power", "x = str(10 ** 10 ** 6)", REFUSED, "len(str(10 ** 10 ** 6)) > 0"),
    Payload("squaring_loop", "x = 7\nfor i in range(40):\n    x = x * x", TIME),
    Payload("shift", "x = 1 << 10 ** 10", MEMORY, "(1 << 10 ** 10) > 0"),
    Payload("nested_loops", BIG + "n = 0\nfor i in a:\n    for j in a:\n        n += 1", TIME),
    Payload("while_true", "while True:\n    pass", TIME),
    Payload("sum_generator", BIG + "x = sum(i for i in a for j in a)", TIME),
    Payload("sorted_big", BIG + "x = sorted([j for i in a for j in a])", LIMIT,
            "len(sorted([0] * 100000 * 1000)) > 0"),
    Payload("factorial", "x = math.factorial(10 ** 7)", TIME, "math.factorial(10 ** 7) > 0"),
    Payload("comb", "x = math.comb(10 ** 7, 5 * 10 ** 6)", TIME),
    # memory: widths, padding, joins, repetition
    Payload("percent_width", "x = len('%01500000000d' % 1)", MEMORY, "len('%01500000000d' % 1) > 0", MEMORY),
    Payload("percent_star", "x = '%*d' % (1500000000, 1)", MEMORY, "len('%*d' % (1500000000, 1)) > 0", MEMORY),
    Payload("percent_precision", "x = '%.1500000000d' % 1", MEMORY, "len('%.1500000000d' % 1) > 0", MEMORY),
    Payload("percent_float_precision", "x = '%.1500000000f' % 1.5", MEMORY,
            "len('%.1500000000f' % 1.5) > 0", MEMORY),
    Payload("ljust", "x = 'a'.ljust(300000000)", MEMORY, "len('a'.ljust(300000000)) > 0"),
    Payload("rjust", "x = 'a'.rjust(10 ** 9)", MEMORY),
    Payload("center", "x = 'a'.center(10 ** 9)", MEMORY),
    Payload("zfill", "x = '1'.zfill(10 ** 9)", MEMORY),
    Payload("join_copies", "s = 'x' * 100000\nx = ''.join([s] * 3000)", MEMORY,
            "len(''.join(['x' * 100000] * 3000)) > 0"),
    Payload("bytes", "x = bytes(10 ** 9)", REFUSED, "len(bytes(10 ** 9)) > 0"),
    Payload("list_doubling", "x = [1] * 100000\nfor i in range(30):\n    x = x + x", MEMORY),
    Payload("nested_list_comprehension", BIG + "x = [[0] * 100000 for i in a]", LIMIT,
            "len([[0] * 100000 for i in range(9)]) > 0"),
    Payload("string_doubling", "s = 'x' * 100000\nwhile True:\n    s += s", MEMORY),
    Payload("dict_comprehension", BIG + "x = {(i, j): 0 for i, p in enumerate(a) for j, q in enumerate(a)}", LIMIT),
    Payload("set_comprehension", BIG + "x = {i * 100000 + j for i, p in enumerate(a) for j, q in enumerate(a)}",
            LIMIT),
    Payload("repeat_too_long", "x = 'ab' * 10 ** 9", REFUSED, "len('a' * 10 ** 9) > 0"),
    # formatting
    Payload("fstring_width", "x = f'{1:>1500000000}'", MEMORY, "len(f'{1:>1500000000}') > 0"),
    Payload("fstring_nested_width", "w = 1500000000\nx = f'{1:>{w}}'", MEMORY),
    Payload("format_method", "x = '{:>1500000000}'.format(1)", REFUSED, "len('{:>1500000000}'.format(1)) > 0"),
    # recursion and escapes from the loop
    Payload("recursion", "def f(n):\n    return f(n + 1)\nx = f(0)", REFUSED),
    Payload("deep_nesting_repr", "x = []\nwhile True:\n    x = [x]", LIMIT),
    Payload("deep_unary", None, expression="-" * 1900 + "1 < 0"),
    Payload("regex_backtracking", "import re\nx = re.match('(a+)+$', 'a' * 40 + 'b')", REFUSED),
    Payload("system_exit", "raise SystemExit(0)", REFUSED),
    # a result too big to hand back
    Payload("huge_result", "x = ['x' * 100000] * 10\ny = x * 17", SIZE),
]

CASES = [pytest.param(p, "script", id=f"script-{p.name}") for p in CORPUS if p.script is not None]
CASES += [pytest.param(p, path, id=f"{path}-{p.name}") for p in CORPUS if p.expression is not None
          for path in ("condition", "dmn")]

GATEWAY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_limit_gateway" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="test_limit_gateway" name="条件限额" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="坐席"><bpmn:flowNodeRef>confirm</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="gw" name="判断" default="f_no">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f_yes</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="confirm" name="确认">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="acknowledge" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f_yes</bpmn:incoming><bpmn:incoming>f_no</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="confirm">
      <bpmn:conditionExpression>{payload}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="confirm" />
    <bpmn:sequenceFlow id="f3" sourceRef="confirm" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_limits" name="限额"
  namespace="http://licaiflow/rules">
  <decision id="test_grade" name="客户等级">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_amount" label="资产">
        <inputExpression id="ie" typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="out_grade" label="等级" name="grade" typeRef="string" />
      <rule id="r1"><inputEntry id="r1_in"><text>{payload}</text></inputEntry>
        <outputEntry id="r1_out"><text>"high"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="r2_in"><text>-</text></inputEntry>
        <outputEntry id="r2_out"><text>"normal"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def _diagram(payload: Payload, path: str) -> tuple[str, list[str], str]:
    """The BPMN (and DMN) running ``payload`` on ``path``, and the process to start."""
    if path == "script":
        text = (DATA / "script_task.bpmn").read_text(encoding="utf-8")
        body = text[text.index("<bpmn:script>") + len("<bpmn:script>"):text.index("</bpmn:script>")]
        return text.replace(body, escape(payload.script or "")), [], "test_script"
    if path == "condition":
        return GATEWAY_BPMN.replace("{payload}", escape(payload.expression or "")), [], "test_limit_gateway"
    rule = (DATA / "rule_task.bpmn").read_text(encoding="utf-8")
    return rule, [DMN.replace("{payload}", escape(payload.expression or ""))], "test_rule_grade"


@pytest.fixture(scope="module")
def engine_app(databases, tmp_path_factory) -> Iterator[Flask]:
    """One demo database for the whole corpus (a fresh one per payload would cost more than the payloads),
    with the limits lowered for speed; each test deploys its own diagram version and starts one instance."""
    folder = tmp_path_factory.mktemp("sandbox-limits")
    url = databases.fresh("demo", folder)
    application = make_app(url, folder / "instance", SANDBOX_TIME_LIMIT_SECONDS=TIME_LIMIT,
                           SANDBOX_MEMORY_MB=MEMORY_MB)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


def _stopped_as(message: str, expected: str) -> None:
    assert re.search(r"[\u4e00-\u9fff]", message), message
    prose = re.sub(r"“.*?”|'.*?'|（\w+）", "", message)
    assert not re.search(r"[A-Za-z]+ [a-z]+ [a-z]+", prose), f"English in: {message}"
    if expected == REFUSED:
        assert any(word in message for word in REFUSAL_WORDS), message
    elif expected == LIMIT:  # grows memory slowly: whichever limit comes first
        assert TIME in message or MEMORY in message, message
    else:
        assert expected in message, message


def _children_zombies() -> set[int]:
    """Zombie children of this process (compare before and after: other tests' children are not ours)."""
    zombies = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            zombies.add(int(entry))
    return zombies


@pytest.mark.parametrize(("payload", "path"), CASES)
def test_payload_stops_within_bound_with_a_chinese_message(engine_app, payload, path):
    bpmn, dmns, process = _diagram(payload, path)
    expected = payload.script_stop if path == "script" else payload.expression_stop
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    zombies_before = _children_zombies()
    try:
        deploy.deploy(db.session, bpmn, dmns)
    except deploy.DeploymentRefused as refused:
        db.session.rollback()
        assert expected == REFUSED, f"refused at deploy: {refused}"
        _stopped_as(str(refused), REFUSED)
        return
    db.session.commit()
    started = time.monotonic()
    instance = workflow.start(db.session, process, data={"principal": 1000, "rate": 5, "mode": "ok", "amount": 5},
                              actor=user_named("seat01"))
    db.session.commit()
    elapsed = time.monotonic() - started
    assert elapsed < STOP_WITHIN_SECONDS
    assert instance.status == InstanceStatus.ERROR, instance.status
    _stopped_as(instance.error_message, expected)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before) / 1024
    assert grown_mb < OWN_MEMORY_GROWTH_MB
    assert _children_zombies() <= zombies_before


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30 and len(CASES) >= 60


# --- the worker processes themselves -----------------------------------------------------------------

def _limits_app(seconds: float) -> Flask:
    application = Flask("sandbox-limits")
    application.config.update(SANDBOX_TIME_LIMIT_SECONDS=seconds, SANDBOX_MEMORY_MB=MEMORY_MB, SANDBOX_PROCESSES=2)
    return application


def _my_workers() -> list[int]:
    """This process's sandbox workers with the tests' memory limit (other tests' pools use the default)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"confined.worker" in command and f"\0{MEMORY_MB}\0".encode() in command:
            found.append(int(entry))
    return found


def test_a_worker_killed_mid_call_is_reported_in_chinese_and_replaced():
    failures: list[str] = []
    zombies_before = _children_zombies()

    def run() -> None:
        with _limits_app(10).app_context():
            try:
                sandbox.execute("while True:\n    pass", {})
            except sandbox.SandboxError as exc:
                failures.append(str(exc))

    worker = threading.Thread(target=run)
    started = time.monotonic()
    worker.start()
    time.sleep(0.5)
    for pid in _my_workers():
        os.kill(pid, signal.SIGKILL)  # our own children
    worker.join(5)
    assert time.monotonic() - started < 5
    assert failures and "执行进程意外退出" in failures[0] and "被强制终止" in failures[0], failures
    with _limits_app(10).app_context():
        assert sandbox.evaluate("a + 1", {"a": 1}) == 2  # a fresh worker answers
    assert _children_zombies() <= zombies_before


def test_threads_share_the_pool_and_each_call_is_bounded():
    """As in a gunicorn gthread worker: more callers than workers, runaway and cheap calls mixed."""
    results: dict[int, object] = {}
    zombies_before = _children_zombies()

    def call(index: int) -> None:
        with _limits_app(TIME_LIMIT).app_context():
            try:
                if index % 2:
                    sandbox.execute("while True:\n    pass", {})
                results[index] = sandbox.evaluate("a * 2", {"a": index})
            except sandbox.SandboxError as exc:
                results[index] = str(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert time.monotonic() - started < 3 * TIME_LIMIT + 3
    assert [results[i] for i in (0, 2, 4)] == [0, 4, 8]
    assert all(TIME in str(results[i]) for i in (1, 3, 5))
    assert len(_my_workers()) <= 2 and _children_zombies() <= zombies_before


def test_task_data_keeps_its_types_across_the_worker():
    data = {"amount": Decimal("12.50"), "day": date(2026, 6, 17), "at": datetime(2026, 6, 17, 10, 0, tzinfo=UTC),
            "pair": (1, "a"), "tags": {"x"}, "nested": {"k": [1, {"$": "not a tag"}]}, "gone": 1, "kept": 2}
    with _limits_app(2).app_context():
        sandbox.execute("total = amount * 2\nlater = day + timedelta(days=1)\ndel gone\nfirst = pair[0]\n"
                        "nested['k'].append(3)", data)
        assert sandbox.evaluate("amount + 1", data) == Decimal("13.50")
    assert data["total"] == Decimal("25.00") and data["later"] == date(2026, 6, 18) and "gone" not in data
    assert data["first"] == 1 and data["nested"] == {"k": [1, {"$": "not a tag"}, 3]} and data["kept"] == 2
    assert data["at"].tzinfo is UTC  # untouched values are not round-tripped


@pytest.mark.parametrize("script", [
    "x = ().__class__", "import os", "_secret = 1", "x = 1\nx.a += 1", "x = eval('1')", "async def f():\n    pass",
    "x = a.f_globals", "x = [1,",
])
def test_script_refusals_are_in_chinese(script):
    with pytest.raises(SyntaxError) as refused:
        sandbox.compile_script(script)
    _stopped_as(refused.value.msg, REFUSED)


def test_a_runaway_script_after_a_timer_stops_the_scheduler_job_within_bound(engine_app):
    """The scheduler runs the same engine: a timer leading to ``pow(7, 60000000)`` no longer freezes the job."""
    text = (DATA / "timer_escalation.bpmn").read_text(encoding="utf-8")
    text = text.replace('<bpmn:sequenceFlow id="f3" sourceRef="too_late" targetRef="escalate" />',
                        '<bpmn:sequenceFlow id="f3" sourceRef="too_late" targetRef="runaway" />'
                        '<bpmn:sequenceFlow id="f3b" sourceRef="runaway" targetRef="escalate" />')
    text = text.replace("<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>",
                        "<bpmn:incoming>f3b</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>")
    text = text.replace('<bpmn:userTask id="escalate"',
                        '<bpmn:scriptTask id="runaway" name="失控脚本"><bpmn:incoming>f3</bpmn:incoming>'
                        '<bpmn:outgoing>f3b</bpmn:outgoing><bpmn:script>x = pow(7, 60000000) % 10</bpmn:script>'
                        '</bpmn:scriptTask><bpmn:userTask id="escalate"')
    deploy.deploy(db.session, text)
    instance = workflow.start(db.session, "test_timer", actor=user_named("seat01"))
    db.session.commit()
    with time_machine.travel(clock.now() + timedelta(days=4), tick=False):
        started = time.monotonic()
        summary = advance_workflow_timers(db.session, clock.now())
        assert time.monotonic() - started < STOP_WITHIN_SECONDS, summary
    db.session.refresh(instance)
    # The job's own policy for a failing timer: back off and retry, an incident after repeated failures.
    assert "稍后重试 1 个" in summary and instance.timer_failures == 1 and instance.lock_owner is None


def test_evaluations_stop_at_the_end_of_the_engine_steps_budget():
    """Many evaluations each under the per-call limit cannot add up beyond one engine step's budget."""
    with _limits_app(10).app_context():
        started = time.monotonic()
        with sandbox.within(started + 0.5), pytest.raises(sandbox.SandboxTimeout, match="时间已用完"):
            sandbox.execute("while True:\n    pass", {})
        assert time.monotonic() - started < 3
        with sandbox.within(time.monotonic() - 1), pytest.raises(sandbox.SandboxTimeout, match="时间已用完"):
            sandbox.evaluate("1 + 1", {})
        assert sandbox.evaluate("1 + 1", {}) == 2
