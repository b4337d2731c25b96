"""Condition engine (挖掘条件) without a database: cleaning, refusals, contradictions and the Chinese summary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.errors import ValidationFailed
from app.mining import conditions
from app.mining.catalogue import describe_item
from app.mining.fields import FIELDS, day_start, moment, years_before
from rules import regions


class NoSession:
    """Specs naming no records or dictionary codes never touch the database."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was used: {name}")


def validate(spec: Any) -> dict[str, Any]:
    return conditions.validate(NoSession(), spec)  # type: ignore[arg-type]


def refusal(spec: Any) -> str:
    with pytest.raises(ValidationFailed) as caught:
        validate(spec)
    return caught.value.message


def item(field: str, cmp: str, value: Any) -> dict[str, Any]:
    return {"field": field, "cmp": cmp, "value": value}


def names(_f: Any, values: list[Any]) -> list[str]:
    return [str(v) for v in values]


@pytest.mark.parametrize("spec", [None, {}, {"op": "and", "items": []}, ""])
def test_an_empty_condition_is_refused(spec):
    assert refusal(spec) == "请至少添加一个条件"


def test_a_group_without_items_is_refused():
    spec = {"op": "and", "items": [item("type", "in", ["intent"]), {"op": "or", "items": []}]}
    assert "条件组不能为空" in refusal(spec)


@pytest.mark.parametrize(("spec_item", "expected"), [
    (item("salary", "in", ["x"]), "未知的条件字段：salary"),
    (item("type", "between", ["intent"]), "不支持比较方式"),
    (item("type", "in", ["boss"]), "没有选项“boss”"),
    (item("type", "in", []), "请为条件“客户类型”选择或填写至少一个值"),
    (item("age", "between", {"from": "三十", "to": 40}), "年龄”的起始值应为数字"),
    (item("age", "between", {"from": 30.5}), "应为整数"),
    (item("age", "between", {"from": -1}), "不能为负数"),
    (item("age", "between", {}), "请为条件“年龄”填写起始值或结束值"),
    (item("age", "between", 30), "起止"),
    (item("created_at", "before", "2026-13-01"), "应为日期"),
    (item("created_at", "before", {"days_ago": -3}), "天数应为"),
    (item("dealt", "is", "yes"), "应为“是”或“否”"),
    (item("service_org", "in", ["SH"]), "应为编号列表"),
    (item("phone_area", "in", ["21"]), "格式不正确，应为固话区号"),
    (item("id_city", "in", ["31"]), "应为4 位数字地区码"),
    (item("trade_amount", "between", {"from": float("nan")}), "应为数字"),
])
def test_wrong_fields_and_values_are_refused_in_chinese(spec_item, expected):
    assert expected in refusal({"op": "and", "items": [spec_item]})


@pytest.mark.parametrize("items", [
    [item("age", "between", {"from": 60, "to": 30})],
    [item("age", "between", {"from": 60}), item("age", "between", {"to": 30})],
    [item("created_at", "after", "2026-06-10"), item("created_at", "before", "2026-06-01")],
    [item("created_at", "between", {"from": "2026-06-10", "to": "2026-06-01"})],
    [item("last_valid_call_at", "after", {"days_ago": 3}), item("last_valid_call_at", "before", {"days_ago": 10})],
    [item("dealt", "is", True), item("dealt", "is", False)],
    [item("type", "in", ["intent"]), item("type", "in", ["valid"])],
    [item("service_seat", "empty", None), item("service_seat", "not_empty", None)],
])
def test_contradictory_conditions_are_refused(items):
    assert refusal({"op": "and", "items": items}).startswith("条件互相矛盾：")


def test_the_contradiction_message_names_both_sides():
    message = refusal({"op": "and", "items": [item("created_at", "after", "2026-06-10"),
                                              item("created_at", "before", "2026-06-01")]})
    assert message == "条件互相矛盾：创建时间 晚于 2026-06-10 与 创建时间 早于 2026-06-01"


def test_the_same_ranges_joined_by_or_are_not_a_contradiction():
    spec = {"op": "or", "items": [item("age", "between", {"from": 60}), item("age", "between", {"to": 30})]}
    assert validate(spec)["op"] == "or"


def test_one_day_between_is_allowed():
    spec = {"op": "and", "items": [item("created_at", "between", {"from": "2026-06-01", "to": "2026-06-01"}),
                                   item("created_at", "after", "2026-06-01")]}
    assert validate(spec)["items"][0]["value"] == {"from": "2026-06-01", "to": "2026-06-01"}


def test_validate_returns_a_canonical_spec():
    spec = {"items": [item("type", "in", ["intent", "intent", "valid"]),
                      {"field": "import_batch", "value": " IMP001 "},
                      item("age", "between", {"from": "30", "to": 40.0}),
                      item("last_valid_call_at", "before", {"days_ago": "3"}),
                      item("created_at", "after", {"date": "2026-06-01"}),
                      {"op": "or", "items": [item("dealt", "is", True), item("blacklisted", "is", False)]}]}
    assert validate(spec) == {"op": "and", "items": [
        item("type", "in", ["intent", "valid"]), item("import_batch", "in", ["IMP001"]),
        item("age", "between", {"from": 30, "to": 40}), item("last_valid_call_at", "before", {"days_ago": 3}),
        item("created_at", "after", "2026-06-01"),
        {"op": "or", "items": [item("dealt", "is", True), item("blacklisted", "is", False)]}]}


def test_nesting_and_size_are_bounded():
    spec: dict[str, Any] = {"op": "and", "items": [item("dealt", "is", True)]}
    for _ in range(6):
        spec = {"op": "or", "items": [spec]}
    assert "最多嵌套" in refusal(spec)
    assert "条件太多" in refusal({"op": "or", "items": [item("dealt", "is", True)] * 101})


@pytest.mark.parametrize(("spec_item", "expected"), [
    (item("type", "in", ["意向"]), "客户类型 属于 意向"),
    (item("import_batch", "in", ["IMP001"]), "导入编号 = IMP001"),
    (item("import_batch", "not_in", ["IMP001", "IMP002"]), "导入编号 不属于 IMP001、IMP002"),
    (item("last_valid_call_at", "before", {"days_ago": 3}), "最后有效跟进 早于 3 天前"),
    (item("created_at", "between", {"from": "2026-01-01", "to": "2026-02-01"}),
     "创建时间 介于 2026-01-01 至 2026-02-01"),
    (item("created_at", "between", {"from": {"days_ago": 30}, "to": None}), "创建时间 自 30 天前 起"),
    (item("age", "between", {"from": 30, "to": 60}), "年龄 介于 30 至 60 岁"),
    (item("followup_count", "between", {"from": None, "to": 3}), "跟进次数 ≤ 3 次"),
    (item("trade_amount", "between", {"from": 1000000, "to": None}), "交易金额合计 ≥ 1,000,000 元"),
    (item("dealt", "is", False), "是否成交 = 否"),
    (item("service_seat", "empty", None), "服务坐席 为空"),
])
def test_items_are_described_in_chinese(spec_item, expected):
    assert describe_item(spec_item, names) == expected


def test_a_spec_is_described_with_groups_in_brackets():
    spec = validate({"op": "and", "items": [
        item("type", "in", ["intent"]), item("last_valid_call_at", "before", {"days_ago": 3}),
        {"op": "or", "items": [item("gender", "in", ["female"]), item("age", "between", {"from": 50})]}]})
    assert conditions.describe(NoSession(), spec) == (  # type: ignore[arg-type]
        "客户类型 属于 意向 且 最后有效跟进 早于 3 天前 且 （性别 属于 女 或 年龄 ≥ 50 岁）")


def test_an_invalid_spec_is_described_as_such():
    assert conditions.describe(NoSession(), {"op": "and", "items": []}).startswith("（条件无效")  # type: ignore[arg-type]


def test_every_field_has_a_chinese_label_and_comparisons():
    for f in FIELDS.values():
        assert f.label and f.cmps and not f.label.isascii()


def test_date_bounds_are_shanghai_days_or_moments_before_now():
    now = datetime(2026, 6, 17, 2, 0, tzinfo=UTC)
    assert day_start(date(2026, 6, 1)) == datetime(2026, 5, 31, 16, 0, tzinfo=UTC)
    assert moment("2026-06-01", now, end_of_day=True) == datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
    assert moment({"days_ago": 3}, now) == datetime(2026, 6, 14, 2, 0, tzinfo=UTC)


def test_years_before_keeps_the_day_and_moves_29_february():
    assert years_before(date(2026, 6, 17), 30) == date(1996, 6, 17)
    assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)


def test_regions_read_the_id_number_and_area_codes():
    assert len(regions.PROVINCES) == 34
    assert regions.province_of("310104198506010012") == "31"
    assert regions.province_of("990104198506010012") is None
    assert regions.city_code_of("310104198506010012") == "3101"
    assert regions.city_label("3101") == "上海市 3101"
    assert regions.area_label("021") == "021（上海）"
    assert all(regions.AREA_CODE.match(code) for code in regions.AREA_CODES)
    assert not regions.AREA_CODE.match("0211") and not regions.AREA_CODE.match("21")
