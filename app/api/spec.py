"""The OpenAPI 3 document served at /api/v1/openapi.json, assembled from what each API module declares."""

from __future__ import annotations

import copy
from typing import Any

ERROR_STATUSES = {
    400: "请求无效",
    401: "未认证或令牌无效",
    403: "无权限",
    404: "不存在或不在数据范围内",
    409: "冲突（已被他人处理或状态已变化）",
    422: "数据校验失败",
}

_document: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "LicaiFlow API",
        "version": "1.0.0",
        "description": "理财业务平台集成接口。认证：在个人资料页创建令牌，以 `Authorization: Bearer <token>` 发送。",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": {},
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "details": {},
                        },
                    }
                },
            },
            "Page": {
                "type": "object",
                "required": ["page", "per_page", "total"],
                "properties": {
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                    "total": {"type": "integer"},
                },
            },
        },
    },
}


def schema(name: str, definition: dict[str, Any]) -> str:
    """Declare a component schema; returns a ``$ref`` string to it."""
    _document["components"]["schemas"][name] = definition
    return ref(name)


def ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _body(schema_ref: str | dict[str, Any]) -> dict[str, Any]:
    content_schema = {"$ref": schema_ref} if isinstance(schema_ref, str) else schema_ref
    return {"content": {"application/json": {"schema": content_schema}}}


def page_of(item_ref: str) -> dict[str, Any]:
    """Schema of a paginated list response: {items: [...], page, per_page, total}."""
    return {
        "allOf": [
            {"$ref": ref("Page")},
            {"type": "object", "required": ["items"],
             "properties": {"items": {"type": "array", "items": {"$ref": item_ref}}}},
        ]
    }


def operation(method: str, path: str, *, summary: str, tag: str, response: str | dict[str, Any] | None,
              status: int = 200, request: str | dict[str, Any] | None = None,
              parameters: list[dict[str, Any]] | None = None, errors: tuple[int, ...] = (401, 403, 404),
              public: bool = False, also: dict[int, str] | None = None) -> None:
    """Declare one API operation. ``path`` uses OpenAPI templating, e.g. ``/tasks/{task_id}``; ``also`` names
    other success statuses answering the same body (e.g. ``{200: "已合并到现有记录"}`` beside a 201)."""
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {}}
    if parameters:
        op["parameters"] = parameters
    if request is not None:
        op["requestBody"] = {"required": True, **_body(request)}
    if response is None:
        op["responses"][str(status)] = {"description": "成功"}
    else:
        op["responses"][str(status)] = {"description": "成功", **_body(response)}
        for other, description in (also or {}).items():
            op["responses"][str(other)] = {"description": description, **_body(response)}
    for code in sorted(set(errors) | {401}) if not public else sorted(errors):
        op["responses"][str(code)] = {"description": ERROR_STATUSES[code], **_body(ref("Error"))}
    if public:
        op["security"] = []
    _document["paths"].setdefault(path, {})[method.lower()] = op


def path_param(name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}, "description": description}


def query_param(name: str, description: str = "", type_: str = "string",
                enum: list[str] | None = None) -> dict[str, Any]:
    """A query parameter; ``enum`` lists the only values the endpoint accepts (others get a 422)."""
    schema: dict[str, Any] = {"type": type_, **({"enum": enum} if enum else {})}
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGE_PARAMS = [
    query_param("page", "页码，从 1 开始", "integer"),
    query_param("per_page", "每页条数，最大 200", "integer"),
]


def document() -> dict[str, Any]:
    """Return a copy of the assembled OpenAPI document."""
    return copy.deepcopy(_document)
