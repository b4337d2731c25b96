"""Sandbox figures (docs/performance.md "Sandbox worker processes"): the cost of evaluating in a pooled
worker process instead of in the engine's process, the start of a worker, and how fast each payload of the
resource-exhaustion corpus (tests/integration/test_sandbox_limits.py) is stopped under the production limits.

Usage: .venv/bin/python bench/sandbox.py [--calls 5000] [--skip-corpus]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from _common import machine  # puts the repository on sys.path too
from flask import Flask

from app.workflow import sandbox, sandbox_pool
from app.workflow.confined import language

CONDITION = 'outcome == "pass" and amount >= 100'
SCRIPT = "interest = principal * rate / 100\nlevel = 'high' if interest > 10 else 'low'"
SMALL = {"outcome": "pass", "amount": Decimal("150"), "principal": Decimal("1000"), "rate": 5}
# A trade's task data is larger: the 200 fields below are not used by the condition and do not travel.
LARGE = {**SMALL, **{f"field_{i}": f"value {i}" for i in range(200)}}


def _micros(call: Callable[[], Any], calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def overhead(calls: int) -> None:
    print(f"\nPer call, median / p95 over {calls} calls (µs):")
    print(f"{'':44} {'in-process':>16} {'worker':>16}")
    for label, data in (("condition, 4 names", SMALL), ("condition, 204 names (4 used)", LARGE)):
        here = _micros(lambda d=data: language.evaluate(CONDITION, d), calls)
        pooled = _micros(lambda d=data: sandbox.evaluate(CONDITION, d), calls)
        print(f"{label:44} {here[0]:7.1f} /{here[1]:7.1f} {pooled[0]:7.1f} /{pooled[1]:7.1f}")
    for label, data in (("script, 4 names", SMALL), ("script, 204 names", LARGE)):
        here = _micros(lambda d=data: language.execute(SCRIPT, dict(d)), calls)
        pooled = _micros(lambda d=data: sandbox.execute(SCRIPT, dict(d)), calls)
        print(f"{label:44} {here[0]:7.1f} /{here[1]:7.1f} {pooled[0]:7.1f} /{pooled[1]:7.1f}")


def worker_start(rounds: int = 20) -> None:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        worker = sandbox_pool._Worker(sandbox.MEMORY_MB)  # noqa: SLF001  (measuring the start itself)
        worker.receive(time.monotonic() + 10)
        samples.append((time.perf_counter() - started) * 1000)
        worker.stop()
    print(f"\nWorker start (spawn → ready), median of {rounds}: {statistics.median(samples):.1f} ms")


def corpus() -> None:
    from tests.integration.test_sandbox_limits import CORPUS

    print(f"\nCorpus under the production limits ({sandbox.TIME_LIMIT_SECONDS:g} s, {sandbox.MEMORY_MB} MB):")
    worst = 0.0
    for payload in CORPUS:
        for kind, text in (("script", payload.script), ("expression", payload.expression)):
            if text is None:
                continue
            started = time.perf_counter()
            try:
                if kind == "script":
                    sandbox.execute(text, {})
                else:
                    sandbox.evaluate(text, {})
                outcome = "ran"
            except (sandbox.SandboxError, SyntaxError) as exc:
                outcome = str(exc)[:70]
            elapsed = time.perf_counter() - started
            worst = max(worst, elapsed)
            print(f"  {payload.name:26} {kind:10} {elapsed:6.2f} s  {outcome}")
    print(f"Slowest stop: {worst:.2f} s; engine process peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--skip-corpus", action="store_true")
    args = parser.parse_args()
    print(machine())
    with Flask("bench").app_context():
        sandbox.evaluate("1", {})  # start the pool
        overhead(args.calls)
        worker_start()
        if not args.skip_corpus:
            corpus()


if __name__ == "__main__":
    main()
