"""Dispatch plan (工作计划) forms: a plan's kind, period and target, and its targets per metric."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.plans.periods import PeriodKind
from app.plans.services import MAX_AMOUNT
from app.quotas.metrics import Metric
from forms.base import Form


class PlanTargetsForm(Form):
    """Targets per metric (one integer field per metric, named by its value) and a note."""

    note = TextAreaField("说明", validators=[Optional(), Length(max=500)])

    def amounts(self) -> dict[str, int | None]:
        return {metric.value: self[metric.value].data for metric in Metric}


for _metric in Metric:
    setattr(PlanTargetsForm, _metric.value, IntegerField(f"{_metric.label}目标", validators=[
        Optional(), NumberRange(0, MAX_AMOUNT, "目标应在 %(min)s 至 %(max)s 之间")]))


class PlanForm(PlanTargetsForm):
    """A new plan: which kind, for which period (month, ISO week or day) and for which org or seat."""

    # Kind and target are checked by the service (permission, data scope) with its own messages.
    kind = SelectField("计划类型", validate_choice=False, validators=[DataRequired("请选择计划类型")])
    month = StringField("计划月份", description="如 2026-06")
    week = StringField("计划周", description="如 2026-W25（ISO 周，周一至周日）")
    day = StringField("计划日期", description="如 2026-06-17")
    target = SelectField("计划对象", validate_choice=False, validators=[DataRequired("请选择计划对象")])

    def period_text(self) -> str:
        """The period field the chosen kind reads."""
        field = {PeriodKind.MONTH.value: self.month, PeriodKind.WEEK.value: self.week}.get(self.kind.data, self.day)
        return field.data or ""

