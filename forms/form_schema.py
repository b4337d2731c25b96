"""The one stored format of a task form: a form-js (Camunda Forms) schema, compiled to a TaskForm class.

``forms/tasks/<key>.form`` files and forms made in the process designer are both form-js JSON (see
docs/form-schema.md). :func:`compile_schema` translates a schema into the field specs of
:func:`forms.task_forms.compile_definition` — the one compiler — refusing anything the server could not check
itself (an unsupported component type, a bad or duplicate key, an unknown outcome …) with a Chinese message
naming the field. Every submission is validated by the compiled class, never by the browser.
"""

from __future__ import annotations

import json
import re
from typing import Any

from forms.task_forms import (
    DEFAULT_OUTCOMES,
    NAME_PATTERN,
    RESERVED_NAMES,
    DefinitionError,
    TaskForm,
    compile_definition,
)

# form-js component type → server field type
COMPONENT_TYPES: dict[str, str] = {
    "textfield": "string", "textarea": "text", "number": "integer", "checkbox": "boolean", "select": "choice",
    "radio": "choice", "text": "static", "licai-amount": "decimal", "licai-date": "date",
    "licai-customer": "customer", "licai-project": "project", "licai-user": "user", "licai-role": "role",
    "licai-file": "file",
}
TYPE_NAMES = {
    "textfield": "单行文本", "textarea": "多行文本", "number": "整数", "checkbox": "是/否", "select": "下拉选择",
    "radio": "单选", "text": "说明文字", "licai-amount": "金额", "licai-date": "日期", "licai-customer": "客户",
    "licai-project": "理财项目", "licai-user": "用户", "licai-role": "角色", "licai-file": "附件",
}
VALIDATE_KEYS = {"required", "min", "max", "maxLength"}
OUTCOME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
MAX_COMPONENTS = 200


def load(text: str, where: str = "表单定义") -> dict[str, Any]:
    """Parse schema JSON text; raise DefinitionError in Chinese."""
    try:
        schema = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise DefinitionError(f"{where}不是有效的 JSON：{exc}") from exc
    if not isinstance(schema, dict):
        raise DefinitionError(f"{where}必须是一个 JSON 对象")
    return schema


def compile_schema(form_key: str, schema: Any) -> type[TaskForm]:
    """Build the TaskForm class of a form-js schema; raise DefinitionError naming what is wrong."""
    return compile_definition(form_key, to_definition(form_key, schema))


def _outcomes(form_key: str, licai: dict[str, Any]) -> list[list[str]]:
    raw = licai.get("outcomes")
    if raw in (None, []):
        return [list(pair) for pair in DEFAULT_OUTCOMES]
    message = f"表单 {form_key} 的处理结果须为 [代码, 名称] 列表，代码以小写字母开头，只含小写字母、数字、下划线"
    if not isinstance(raw, list):
        raise DefinitionError(message)
    outcomes: list[list[str]] = []
    for pair in raw:
        if (not isinstance(pair, list | tuple) or len(pair) != 2 or not isinstance(pair[0], str)
                or not OUTCOME_PATTERN.match(pair[0]) or not isinstance(pair[1], str) or not pair[1].strip()):
            raise DefinitionError(message)
        if pair[0] in {code for code, _ in outcomes}:
            raise DefinitionError(f"表单 {form_key} 的处理结果 {pair[0]} 重复")
        outcomes.append([pair[0], pair[1].strip()])
    return outcomes


def to_definition(form_key: str, schema: Any) -> dict[str, Any]:
    """The field specs of a form-js schema (the shape :func:`compile_definition` reads)."""
    if not isinstance(schema, dict):
        raise DefinitionError(f"表单 {form_key} 的定义必须是一个 JSON 对象")
    if schema.get("type", "default") != "default":
        raise DefinitionError(f"表单 {form_key} 的根类型须为 default")
    licai = schema.get("licai")
    licai = {} if licai is None else licai
    if not isinstance(licai, dict):
        raise DefinitionError(f"表单 {form_key} 的 licai 设置必须是一个对象")
    outcomes = _outcomes(form_key, licai)
    codes = {code for code, _ in outcomes}
    comment_required = licai.get("commentRequiredFor") or []
    if not isinstance(comment_required, list) or not all(isinstance(c, str) for c in comment_required):
        raise DefinitionError(f"表单 {form_key} 的 commentRequiredFor 须为处理结果代码列表")
    unknown = [c for c in comment_required if c not in codes]
    if unknown:
        raise DefinitionError(f"表单 {form_key} 的“必须填写意见的处理结果”含有未定义的处理结果：{'、'.join(unknown)}")
    definition: dict[str, Any] = {
        "title": str(licai.get("title") or form_key), "outcomes": outcomes,
        "comment_label": str(licai.get("commentLabel") or "处理意见"), "comment_required_for": comment_required,
    }
    components = schema.get("components")
    components = [] if components is None else components
    if not isinstance(components, list):
        raise DefinitionError(f"表单 {form_key} 的 components 必须是组件列表")
    if len(components) > MAX_COMPONENTS:
        raise DefinitionError(f"表单 {form_key} 的组件不能超过 {MAX_COMPONENTS} 个")
    fields: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, component in enumerate(components, start=1):
        spec = _component(form_key, number, component, codes)
        if spec["type"] != "static":
            if spec["name"] in seen:
                raise DefinitionError(f"表单 {form_key} 的字段 {spec['name']}（{spec['label']}）重复："
                                      "每个字段的键必须唯一")
            seen.add(spec["name"])
        fields.append(spec)
    definition["fields"] = fields
    return definition


def _component(form_key: str, number: int, component: Any, outcome_codes: set[str]) -> dict[str, Any]:
    if not isinstance(component, dict):
        raise DefinitionError(f"表单 {form_key} 的第 {number} 个组件必须是一个对象")
    kind = component.get("type")
    label = component.get("label")
    named = str(label or component.get("key") or component.get("id") or f"第 {number} 个组件")
    where = f"表单 {form_key} 的字段“{named}”"
    if kind not in COMPONENT_TYPES:
        offered = "、".join(f"{name}（{code}）" for code, name in TYPE_NAMES.items())
        raise DefinitionError(f"{where}：不支持的组件类型 {kind}；可用：{offered}")
    server_type = COMPONENT_TYPES[kind]
    if server_type == "static":
        text = component.get("text", "")
        if not isinstance(text, str):
            raise DefinitionError(f"{where}：说明文字须为文本")
        return {"name": f"text-{number}", "type": "static", "label": "", "text": text}
    key = component.get("key")
    if not isinstance(key, str) or not NAME_PATTERN.match(key):
        raise DefinitionError(f"{where}：键（流程变量名）须以小写字母开头，只含小写字母、数字、下划线，最多 50 个字符")
    if key in RESERVED_NAMES:
        raise DefinitionError(f"{where}：键 {key} 为保留名称，请换一个")
    if label is not None and not isinstance(label, str):
        raise DefinitionError(f"{where}：标签须为文本")
    if component.get("conditional"):
        raise DefinitionError(f"{where}：不支持条件显示（conditional）")
    spec: dict[str, Any] = {"name": key, "type": server_type, "label": str(label or key)}
    description = component.get("description")
    if description:
        spec["help"] = str(description)
    for flag in ("readonly", "disabled"):
        value = component.get(flag, False)
        if not isinstance(value, bool):
            raise DefinitionError(f"{where}：{flag} 须为是/否，不支持表达式")
        if value:
            spec["readonly"] = True
    _validate(where, component.get("validate"), server_type, spec)
    properties = component.get("properties") or {}
    if not isinstance(properties, dict):
        raise DefinitionError(f"{where}：自定义属性（properties）必须是一个对象")
    required_for = [code.strip() for code in str(properties.get("requiredFor") or "").split(",") if code.strip()]
    if required_for:
        unknown = [code for code in required_for if code not in outcome_codes]
        if unknown:
            raise DefinitionError(f"{where}：requiredFor 含有未定义的处理结果 {'、'.join(unknown)}；"
                                  f"可用：{'、'.join(sorted(outcome_codes))}")
        spec["required_for"] = required_for
    if kind == "number":
        digits = component.get("decimalDigits") or 0
        if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 6:
            raise DefinitionError(f"{where}：小数位数须为 0–6 的整数")
        if digits:
            spec["type"], spec["places"] = "decimal", digits
    elif kind == "licai-amount":
        spec["places"] = 2
    elif kind in ("select", "radio"):
        _choices(where, component, properties, spec)
    elif kind == "licai-user":
        candidates = str(properties.get("candidates") or "colleagues")
        if not NAME_PATTERN.match(candidates):
            raise DefinitionError(f"{where}：候选人来源 {candidates} 无效")
        spec["candidates"] = candidates
    elif kind == "licai-file":
        spec["accept"] = str(properties.get("accept") or "")
    return spec


def _validate(where: str, validate: Any, server_type: str, spec: dict[str, Any]) -> None:
    if validate in (None, {}):
        return
    if not isinstance(validate, dict):
        raise DefinitionError(f"{where}：校验设置（validate）必须是一个对象")
    unsupported = [name for name, value in validate.items() if name not in VALIDATE_KEYS and value not in
                   (None, "", False)]
    if unsupported:
        raise DefinitionError(f"{where}：不支持的校验设置 {'、'.join(unsupported)}；"
                              "可用：必填、最小值、最大值、最大长度")
    required = validate.get("required", False)
    if not isinstance(required, bool):
        raise DefinitionError(f"{where}：必填须为是/否")
    if required:
        spec["required"] = True
    for name in ("min", "max"):
        value = validate.get(name)
        if value in (None, ""):
            continue
        if server_type not in ("integer", "decimal"):
            raise DefinitionError(f"{where}：只有数字和金额字段可以设置最小值/最大值")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise DefinitionError(f"{where}：{'最小值' if name == 'min' else '最大值'}须为数字")
        spec[name] = value
    length = validate.get("maxLength")
    if length not in (None, ""):
        if server_type not in ("string", "text"):
            raise DefinitionError(f"{where}：只有文本字段可以设置最大长度")
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise DefinitionError(f"{where}：最大长度须为正整数")
        spec["max_length"] = length


def _choices(where: str, component: dict[str, Any], properties: dict[str, Any], spec: dict[str, Any]) -> None:
    if component.get("valuesKey") or component.get("valuesExpression"):
        raise DefinitionError(f"{where}：不支持动态选项（valuesKey / valuesExpression），请列出选项或选择基础数据字典")
    dictionary = str(properties.get("dictionary") or "").strip()
    values = component.get("values") or []
    if dictionary and values:
        raise DefinitionError(f"{where}：选项与基础数据字典只能二选一")
    if dictionary:
        if not CODE_PATTERN.match(dictionary):
            raise DefinitionError(f"{where}：基础数据字典代码 {dictionary} 无效")
        spec["dictionary"] = dictionary
        return
    if not isinstance(values, list) or not values:
        raise DefinitionError(f"{where}：选择字段需要选项或基础数据字典")
    choices: list[list[str]] = []
    for value in values:
        if (not isinstance(value, dict) or value.get("value") in (None, "")
                or isinstance(value.get("value"), dict | list)):
            raise DefinitionError(f"{where}：每个选项须有值和名称")
        code = str(value["value"])
        if code in {c for c, _ in choices}:
            raise DefinitionError(f"{where}：选项值 {code} 重复")
        choices.append([code, str(value.get("label") or code)])
    spec["choices"] = choices
