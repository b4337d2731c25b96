"""Questionnaire API: a survey's results (问卷结果) with the screen's filters, limited to the caller's data scope."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from app.api import spec
from app.api.routes import bp
from app.auth.permissions import require
from app.extensions import db
from app.surveys import results
from app.surveys.access import RESULTS
from app.surveys.routes import result_filter, result_survey

RESULT = spec.schema("SurveyResults", {
    "type": "object", "required": ["survey_id", "title", "responses", "questions"],
    "properties": {
        "survey_id": {"type": "integer"}, "title": {"type": "string"},
        "responses": {"type": "integer", "description": "范围内的答卷数"},
        "questions": {"type": "array", "items": {
            "type": "object", "additionalProperties": True,
            "description": "每题：answered 作答人数，rows 各选项或分值的人数与百分比，texts 最新文本"}},
    },
})
spec.operation("get", "/surveys/{survey_id}/results", summary="问卷结果：每题人数与百分比（按组织、提交日期筛选）",
               tag="客户管理", response=RESULT, parameters=[
                   spec.path_param("survey_id"), spec.query_param("org_id", "组织（含下级）"),
                   spec.query_param("date_from", "提交日期起（YYYY-MM-DD）"),
                   spec.query_param("date_to", "提交日期止（YYYY-MM-DD）")])


@bp.get("/surveys/<int:survey_id>/results")
@require(RESULTS)
def survey_results(survey_id: int) -> Any:
    figures = results.summary(db.session, current_user, result_survey(survey_id), result_filter())
    for question in figures["questions"]:
        question.pop("chart", None)
        for text in question["texts"]:
            text["at"] = text["at"].isoformat()
    return jsonify(figures)
