"""Sandbox worker processes: a small pool per engine process, a wall-clock kill, a fresh worker after each kill.

Each web (gunicorn gthread) or scheduler process keeps up to ``processes`` workers, started lazily with
``subprocess`` (fork+exec, safe from a threaded process: no Python runs between fork and exec) — never
forked from the engine itself, so a worker holds no database connection, socket, secret or lock of ours.
A call checks a worker out, writes one frame, and waits for the answer until its deadline; past it the
worker is killed (SIGKILL) and reaped at once, so no zombie is left, and a replacement starts in the
background. A worker that dies mid-call (address-space limit, SIGXCPU, crash) is reaped the same way.
If the engine process itself dies, its workers read end-of-file and exit (a busy one meets RLIMIT_CPU).
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.workflow.confined import wire
from app.workflow.confined.worker import BOOT, MAX_REPLY_BYTES

CONFINED_PARENT = str(Path(__file__).resolve().parent)  # the folder holding the ``confined`` package
STARTUP_SECONDS = 10.0  # a worker's start (interpreter + RestrictedPython, ~40 ms) is not the script's time
BUSY_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Limits:
    seconds: float  # wall clock per call
    memory_mb: int  # address space of a worker
    processes: int  # workers per engine process


class WorkerLost(Exception):
    """The call ended without an answer: ``reason`` is "time", "size" or "crash" (``detail`` says how)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


class PoolBusy(Exception):
    """Every worker stayed busy for BUSY_WAIT_SECONDS."""


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and module, no shell)
            [sys.executable, "-I", "-c", BOOT, str(memory_mb), CONFINED_PARENT],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={}, close_fds=True)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests = self.process.stdin.fileno()
        self.replies = self.process.stdout.fileno()
        self.ready = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def _read(self, size: int, deadline: float) -> bytes:
        poller = select.poll()
        poller.register(self.replies, select.POLLIN)
        chunks: list[bytes] = []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                raise WorkerLost("time")
            chunk = os.read(self.replies, min(size, 1 << 20))
            if not chunk:
                raise self._died()
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _died(self) -> WorkerLost:
        try:
            code = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return WorkerLost("crash", "无应答")
        if code == -signal.SIGXCPU:
            return WorkerLost("time")
        if code == -signal.SIGKILL:  # the kernel's OOM killer, or an operator
            return WorkerLost("crash", "被强制终止")
        return WorkerLost("crash", f"退出码 {code}")

    def receive(self, deadline: float) -> dict[str, Any]:
        """The next frame from the worker, or WorkerLost."""
        (size,) = wire.HEADER.unpack(self._read(wire.HEADER.size, deadline))
        if size > MAX_REPLY_BYTES:
            raise WorkerLost("size")
        try:
            return wire.loads(self._read(size, deadline))
        except ValueError as exc:
            raise WorkerLost("crash", "应答格式错误") from exc

    def ask(self, frame: bytes, seconds: float) -> dict[str, Any]:
        """Send one request; the answer within ``seconds`` or WorkerLost."""
        if not self.ready:
            try:
                self.receive(time.monotonic() + STARTUP_SECONDS)
            except WorkerLost as lost:
                raise WorkerLost("crash", "未能启动") from lost
            self.ready = True
        try:
            wire.write_all(self.requests, frame)
        except OSError as exc:  # BrokenPipeError: it died while idle
            raise self._died() from exc
        return self.receive(time.monotonic() + seconds)

    def stop(self) -> None:
        """Kill and reap (never leave a zombie)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


class Pool:
    """Up to ``processes`` workers of one engine process with the same memory limit."""

    def __init__(self, memory_mb: int, processes: int) -> None:
        self.memory_mb = memory_mb
        self.processes = max(1, processes)
        self.idle: list[_Worker] = []
        self.count = 0
        self.changed = threading.Condition()

    def _checkout(self) -> _Worker:
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        with self.changed:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.alive():
                        return worker
                    worker.stop()
                    self.count -= 1
                if self.count < self.processes:
                    self.count += 1
                    break
                if not self.changed.wait(deadline - time.monotonic()):
                    raise PoolBusy()
        try:
            return _Worker(self.memory_mb)
        except BaseException:
            self._forget()
            raise

    def _forget(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify()

    def _replace(self, worker: _Worker) -> None:
        """Reap a killed or dying worker and start its successor now, so the next call finds it booted."""
        worker.stop()
        try:
            successor = _Worker(self.memory_mb)
        except OSError:
            self._forget()
            return
        with self.changed:
            self.idle.append(successor)
            self.changed.notify()

    def call(self, request: dict[str, Any], seconds: float) -> dict[str, Any]:
        """One request answered by a worker within ``seconds`` (WorkerLost otherwise)."""
        frame = wire.dumps(request)
        worker = self._checkout()
        try:
            reply = worker.ask(frame, seconds)
        except BaseException:  # WorkerLost (killed here if still running: it may be burning CPU) or worse
            self._replace(worker)
            raise
        if reply.get("limit") == "memory":
            self._replace(worker)  # it exits after answering: its heap is not to be trusted
        else:
            with self.changed:
                self.idle.append(worker)
                self.changed.notify()
        return reply

    def close(self) -> None:
        with self.changed:
            workers, self.idle = self.idle, []
            self.count -= len(workers)
        for worker in workers:
            worker.stop()


_pools: dict[tuple[int, int, int], Pool] = {}
_inherited: list[Pool] = []  # pools of a parent we were forked from: theirs to stop, not ours
_pools_lock = threading.Lock()


def pool(limits: Limits) -> Pool:
    """This process's pool for ``limits`` (a process forked after creating pools starts its own)."""
    key = (os.getpid(), limits.memory_mb, limits.processes)
    with _pools_lock:
        found = _pools.get(key)
        if found is None:
            for other in [k for k in _pools if k[0] != key[0]]:
                _inherited.append(_pools.pop(other))
            found = _pools[key] = Pool(limits.memory_mb, limits.processes)
        return found


@atexit.register
def close_all() -> None:
    """Stop this process's workers (they would also exit on their own at end of file)."""
    with _pools_lock:
        mine = [p for k, p in _pools.items() if k[0] == os.getpid()]
    for each in mine:
        each.close()
