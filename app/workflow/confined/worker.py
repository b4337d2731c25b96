"""The sandbox worker process: applies its own resource limits, then answers one request at a time.

Started by ``app.workflow.sandbox`` as ``python -I -c BOOT <memory MB>`` with an empty environment and no
inherited descriptors but its two pipes. Address space (RLIMIT_AS) bounds memory — an allocation beyond it
is a MemoryError, after which the worker answers and exits; RLIMIT_CPU is re-armed before each request as a
backstop (SIGXCPU) should the engine's wall-clock kill never come; files cannot be written (RLIMIT_FSIZE 0)
and a dying worker leaves no core file.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import sys
from datetime import date, datetime
from typing import Any

from . import language, wire

BOOT = "import sys; sys.path.append(sys.argv[2]); from confined.worker import main; main()"
REQUESTS, REPLIES = 0, 1  # stdin and stdout
MAX_REPLY_BYTES = 16 * 1024 * 1024


def _set_limit(which: int, soft: int, hard: int | None = None) -> None:
    current_hard = resource.getrlimit(which)[1]
    hard = current_hard if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def confine(memory_mb: int) -> None:
    """Apply the limits that hold for the worker's whole life."""
    _set_limit(resource.RLIMIT_CORE, 0, 0)
    _set_limit(resource.RLIMIT_FSIZE, 0, 0)
    _set_limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024, memory_mb * 1024 * 1024)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C of a dev server: the engine ends us (EOF) instead


def _arm_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _set_limit(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime + seconds) + 1)


def _evaluate(request: dict[str, Any]) -> dict[str, Any]:
    names = wire.decode(request["names"])
    return {"ok": True, "value": wire.encode(language.evaluate(request["expression"], names))}


def _execute(request: dict[str, Any]) -> dict[str, Any]:
    sent = request["data"]
    data = wire.decode(sent)
    language.execute(request["script"], data, wire.decode(request["extra"]))
    changed = {}
    for key, value in data.items():
        encoded = wire.encode(value)
        if key not in sent or encoded != sent[key]:
            changed[key] = encoded
    return {"ok": True, "set": changed, "deleted": [key for key in sent if key not in data]}


def answer(request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The reply to one request, and whether the worker must exit after sending it."""
    try:
        with language.at(datetime.fromisoformat(request["now"]), date.fromisoformat(request["today"])):
            reply = _evaluate(request) if request["op"] == "eval" else _execute(request)
    except MemoryError:
        return {"ok": False, "limit": "memory"}, True
    except language.SandboxError as exc:
        return {"ok": False, "error": str(exc)}, False
    except (wire.WireError, ValueError, TypeError) as exc:  # e.g. an int beyond 4300 digits in the result
        return {"ok": False, "error": f"结果无法传回流程：{exc}"}, False
    return reply, False


def main() -> None:
    """Serve requests until the engine closes the pipe."""
    confine(int(sys.argv[1]))
    wire.write_all(REPLIES, wire.dumps({"ready": os.getpid()}))
    while True:
        header = wire.read_exactly(REQUESTS, wire.HEADER.size)
        if header is None:
            return
        body = wire.read_exactly(REQUESTS, wire.HEADER.unpack(header)[0])
        if body is None:
            return
        request = wire.loads(body)
        _arm_cpu(float(request["seconds"]))
        reply, leave = answer(request)
        try:
            frame = wire.dumps(reply)
        except MemoryError:
            frame, leave = wire.dumps({"ok": False, "limit": "memory"}), True
        if len(frame) > MAX_REPLY_BYTES:
            frame = wire.dumps({"ok": False, "limit": "size"})
        wire.write_all(REPLIES, frame)
        if leave:
            return
