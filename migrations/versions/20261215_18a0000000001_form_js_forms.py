"""Task forms are form-js schemas: browser-made forms converted, forms versioned with the diagram, form files

Revision ID: 18a0000000001
Revises: 17b0000000001
Create Date: 2026-12-15 08:00:00.000000

task_form_definition.definition held the TOML-shaped dict (title, outcomes, fields …) and ``source`` the TOML
text; the definition becomes the form-js schema (docs/form-schema.md) and ``source`` is dropped.
process_model_form keeps the schema of every form a deployed process version names; task_form_file keeps
files uploaded into 附件 fields.
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '18a0000000001'
down_revision = '17b0000000001'
branch_labels = None
depends_on = None

COMPONENT = {"string": "textfield", "text": "textarea", "integer": "number", "boolean": "checkbox",
             "choice": "select", "date": "licai-date", "user": "licai-user"}


def definition_to_schema(key: str, definition: dict[str, Any]) -> dict[str, Any]:
    """The form-js schema of a TOML-shaped definition (also used to convert the shipped forms/tasks/*.toml)."""
    licai: dict[str, Any] = {"title": definition.get("title") or key}
    if definition.get("outcomes"):
        licai["outcomes"] = [[str(code), str(label)] for code, label in definition["outcomes"]]
    if definition.get("comment_label"):
        licai["commentLabel"] = str(definition["comment_label"])
    if definition.get("comment_required_for"):
        licai["commentRequiredFor"] = [str(code) for code in definition["comment_required_for"]]
    components = []
    for spec in definition.get("fields") or []:
        name, kind = spec.get("name"), spec.get("type", "string")
        component: dict[str, Any] = {"type": COMPONENT.get(kind, "textfield"), "id": f"Field_{name}", "key": name,
                                     "label": spec.get("label") or name}
        if kind == "decimal":
            places = int(spec.get("places", 2))
            component["type"] = "licai-amount" if places == 2 else "number"
            if places != 2:
                component["decimalDigits"] = places
        if spec.get("help"):
            component["description"] = str(spec["help"])
        if spec.get("readonly"):
            component["readonly"] = True
        validate = {name: spec[source] for source, name in (("required", "required"), ("min", "min"), ("max", "max"),
                                                            ("max_length", "maxLength")) if source in spec}
        if validate:
            component["validate"] = validate
        properties = {}
        if spec.get("required_for"):
            properties["requiredFor"] = ",".join(spec["required_for"])
        if spec.get("dictionary"):
            properties["dictionary"] = str(spec["dictionary"])
        if kind == "user" and spec.get("candidates"):
            properties["candidates"] = str(spec["candidates"])
        if properties:
            component["properties"] = properties
        if kind == "choice" and spec.get("choices"):
            component["values"] = [{"label": str(label), "value": str(code)} for code, label in spec["choices"]]
        components.append(component)
    return {"type": "default", "id": f"Form_{key}", "schemaVersion": 16,
            "exporter": {"name": "LicaiFlow", "version": "18"}, "components": components, "licai": licai}


def schema_to_definition(schema: dict[str, Any]) -> dict[str, Any]:
    """Back to the TOML-shaped dict (downgrade): the field kinds TOML knew, the others as text."""
    kinds = {component: kind for kind, component in COMPONENT.items()} | {"licai-amount": "decimal"}
    licai = schema.get("licai") or {}
    fields = []
    for component in schema.get("components") or []:
        if not component.get("key"):
            continue
        validate = component.get("validate") or {}
        properties = component.get("properties") or {}
        spec: dict[str, Any] = {"name": component["key"], "label": component.get("label") or component["key"],
                                "type": kinds.get(component.get("type"), "string")}
        if component.get("type") == "number" and component.get("decimalDigits"):
            spec["type"], spec["places"] = "decimal", component["decimalDigits"]
        for source, name in (("required", "required"), ("min", "min"), ("max", "max"), ("maxLength", "max_length")):
            if validate.get(source) not in (None, ""):
                spec[name] = validate[source]
        if component.get("description"):
            spec["help"] = component["description"]
        if component.get("readonly"):
            spec["readonly"] = True
        if properties.get("requiredFor"):
            spec["required_for"] = [c.strip() for c in properties["requiredFor"].split(",") if c.strip()]
        if properties.get("dictionary"):
            spec["dictionary"] = properties["dictionary"]
        if properties.get("candidates"):
            spec["candidates"] = properties["candidates"]
        if component.get("values"):
            spec["choices"] = [[str(v.get("value")), str(v.get("label"))] for v in component["values"]]
        fields.append(spec)
    definition: dict[str, Any] = {"title": licai.get("title", ""), "fields": fields}
    if licai.get("outcomes"):
        definition["outcomes"] = licai["outcomes"]
    if licai.get("commentLabel"):
        definition["comment_label"] = licai["commentLabel"]
    if licai.get("commentRequiredFor"):
        definition["comment_required_for"] = licai["commentRequiredFor"]
    return definition


FORMS = sa.table('task_form_definition', sa.column('id', sa.Integer), sa.column('key', sa.String),
                 sa.column('definition', sa.JSON))


def _rewrite(convert: Any) -> None:
    bind = op.get_bind()
    for ident, key, definition in bind.execute(sa.select(FORMS.c.id, FORMS.c.key, FORMS.c.definition)).all():
        bind.execute(FORMS.update().where(FORMS.c.id == ident).values(definition=convert(key, definition or {})))


def upgrade():
    _rewrite(lambda key, definition: definition if "components" in definition
             else definition_to_schema(key, definition))
    with op.batch_alter_table('task_form_definition') as batch:
        batch.drop_column('source')
    op.create_table('process_model_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=100), nullable=False),
    sa.Column('schema', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['process_model.id'], name=op.f('fk_process_model_form_model_id_process_model'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_model_form')),
    sa.UniqueConstraint('model_id', 'form_key', name=op.f('uq_process_model_form_model_id'))
    )
    op.create_table('task_form_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=100), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['workflow_task.id'], name=op.f('fk_task_form_file_task_id_workflow_task'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_task_form_file_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_form_file'))
    )
    with op.batch_alter_table('task_form_file') as batch:
        batch.create_index(batch.f('ix_task_form_file_task_id'), ['task_id'], unique=False)
        batch.create_index(batch.f('ix_task_form_file_uploaded_by_id'), ['uploaded_by_id'], unique=False)


def downgrade():
    op.drop_table('task_form_file')
    op.drop_table('process_model_form')
    with op.batch_alter_table('task_form_definition') as batch:
        batch.add_column(sa.Column('source', sa.Text(), nullable=False, server_default=''))
    _rewrite(lambda key, definition: schema_to_definition(definition) if "components" in definition else definition)
