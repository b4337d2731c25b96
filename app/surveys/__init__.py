"""Questionnaires (问卷管理 / 问卷结果): a designer, filling for customers or by staff, results per question."""
