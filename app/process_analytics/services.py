"""Process analytics pages put together: the process list, one process's versions and elements, the heatmap
colours (green → red by median waiting time) and the figures as words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app.database import DbSession
from app.errors import NotFound
from app.performance.period import Period
from app.process_analytics import figures
from app.process_analytics.figures import ElementFigures, InstanceFigures, Spread
from app.workflow.models import ProcessModel

GREEN, YELLOW, RED = (0x19, 0x87, 0x54), (0xFF, 0xC1, 0x07), (0xDC, 0x35, 0x45)
NO_DATA = "#e9ecef"


@dataclass(frozen=True)
class ProcessFigures:
    """What the process page, its export and the API show: one process (or one version of it) over a period."""

    period: Period
    models: list[ProcessModel]  # newest first
    chosen: ProcessModel | None  # None: all versions
    totals: InstanceFigures  # of the chosen version, or of all versions
    per_version: dict[int, InstanceFigures]  # by model id
    elements: list[ElementFigures]

    @property
    def shown(self) -> ProcessModel:
        """The diagram drawn: the chosen version's, or the newest for all versions (elements matched by id)."""
        return self.chosen or self.models[0]

    def args(self) -> dict[str, str]:
        """Query arguments naming this period and version again (links, export)."""
        return {**self.period.args(), **({"version": str(self.chosen.version)} if self.chosen else {})}


def process_figures(session: DbSession, process_key: str, period: Period, version: str | None) -> ProcessFigures:
    """One process's figures for the period and the ``version`` argument; NotFound for an unknown process or
    version."""
    models = versions(session, process_key)
    chosen = chosen_version(models, version)
    per_version = figures.instance_figures(session, period, process_key, by_version=True)
    if chosen is not None or len(models) == 1:  # one version: its figures are the process's, no second query
        totals = per_version.get((chosen or models[0]).id, InstanceFigures())
    else:
        totals = figures.instance_figures(session, period, process_key).get(process_key, InstanceFigures())
    elements = figures.element_figures(session, process_key, period, chosen.id if chosen else None)
    return ProcessFigures(period, models, chosen, totals, per_version, elements)


@dataclass(frozen=True)
class ProcessRow:
    key: str
    name: str
    versions: int
    figures: InstanceFigures


def duration_text(seconds: float | None) -> str:
    """A duration in words: 45 秒, 12.5 分钟, 3.2 小时, 1.5 天; "—" when there is none."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} 秒"
    if seconds < 3600:
        return f"{seconds / 60:.1f} 分钟"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"


def processes(session: DbSession, period: Period) -> list[ProcessRow]:
    """Every deployed process (name of its latest version) with its instance figures over the period."""
    latest = (select(ProcessModel.key, func.max(ProcessModel.version).label("version"), func.count().label("versions"))
              .group_by(ProcessModel.key).subquery())
    rows = session.execute(select(ProcessModel.key, ProcessModel.name, latest.c.versions)
                           .join(latest, (latest.c.key == ProcessModel.key)
                                 & (latest.c.version == ProcessModel.version))
                           .order_by(ProcessModel.key)).all()
    by_key = figures.instance_figures(session, period)
    return [ProcessRow(key, name, int(versions), by_key.get(key, InstanceFigures())) for key, name, versions in rows]


def versions(session: DbSession, process_key: str) -> list[ProcessModel]:
    """The deployed versions of a process, newest first; NotFound for a process never deployed."""
    found = list(session.scalars(select(ProcessModel).where(ProcessModel.key == process_key)
                                 .order_by(ProcessModel.version.desc())))
    if not found:
        raise NotFound("流程不存在")
    return found


def chosen_version(models: list[ProcessModel], version: str | None) -> ProcessModel | None:
    """The version named by the ``version`` argument; None (all versions) when empty; NotFound when unknown."""
    text = (version or "").strip()
    if not text:
        return None
    model = next((m for m in models if text.isdigit() and m.version == int(text)), None)
    if model is None:
        raise NotFound("流程版本不存在")
    return model


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{part:02x}" for part in rgb)


def _mix(low: tuple[int, int, int], high: tuple[int, int, int], share: float) -> str:
    return _hex(tuple(round(a + (b - a) * share) for a, b in zip(low, high, strict=True)))


def heat_color(value: float, low: float, high: float) -> str:
    """Green at ``low``, yellow halfway, red at ``high`` (linear in the value)."""
    share = 0.0 if high <= low else min(max((value - low) / (high - low), 0.0), 1.0)
    return _mix(GREEN, YELLOW, share * 2) if share <= 0.5 else _mix(YELLOW, RED, share * 2 - 1)


def heatmap(elements: list[ElementFigures]) -> dict[str, Any]:
    """Colours and overlay lines per element id by median waiting time, and the legend's ends."""
    medians = [e.waiting.median for e in elements if e.waiting.median is not None]
    low, high = (min(medians), max(medians)) if medians else (0.0, 0.0)
    marks: dict[str, Any] = {}
    for element in elements:
        wait = element.waiting.median
        lines = [f"等待中位 {duration_text(wait)}", f"办理中位 {duration_text(element.handling.median)}"]
        if element.overdue:
            lines.append(f"逾期 {element.overdue}")
        marks[element.element_id] = {"color": NO_DATA if wait is None else heat_color(wait, low, high),
                                     "lines": lines, "title": element.name}
    return {"elements": marks, "low": duration_text(low if medians else None),
            "high": duration_text(high if medians else None),
            "colors": [_hex(c) for c in (GREEN, YELLOW, RED)], "none": NO_DATA}


def spread_json(spread: Spread) -> dict[str, Any]:
    return {"count": spread.count, "median_seconds": spread.median, "p90_seconds": spread.p90}


def instance_json(found: InstanceFigures) -> dict[str, Any]:
    return {"started": found.started, "completed": found.completed, "live": found.live, "error": found.error,
            "duration": spread_json(found.duration)}


def element_json(element: ElementFigures) -> dict[str, Any]:
    return {"element_id": element.element_id, "name": element.name, "completed": element.completed,
            "waiting": spread_json(element.waiting), "handling": spread_json(element.handling),
            "late": element.late, "open": element.open, "unclaimed": element.unclaimed,
            "overdue_open": element.overdue_open, "overdue": element.overdue}


EXPORT_HEADERS = ["环节", "环节标识", "期间完成", "等待中位", "等待P90", "办理中位", "办理P90", "期间逾期完成",
                  "当前待办", "当前未认领", "当前已逾期"]


def export_rows(elements: list[ElementFigures]) -> list[list[Any]]:
    """The element table as the page shows it, one row per element (durations in words)."""
    return [[e.name, e.element_id, e.completed, duration_text(e.waiting.median), duration_text(e.waiting.p90),
             duration_text(e.handling.median), duration_text(e.handling.p90), e.late, e.open, e.unclaimed,
             e.overdue_open] for e in elements]
