"""The modeler speaks Chinese: every string bpmn-js / dmn-js / the properties panel translate has an entry in
app/static/js/designer/i18n/zh.mjs. keys.mjs reads the strings from the bundles as `npm run build` makes them,
so upgrading a library that adds a string fails here until it is translated."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = ROOT / "app/static/js/designer/i18n/keys.mjs"
# What stays as written: names of standards and of notations, and the placeholders' example values.
NOT_TRANSLATED = {"BPMN", "CMMN"}


def _node(*args: str) -> subprocess.CompletedProcess[str]:
    if not (ROOT / "node_modules/bpmn-js").is_dir():
        pytest.fail("node_modules missing: run `make setup`")
    return subprocess.run(["node", str(KEYS), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def shipped_keys() -> list[str]:
    run = _node("--all")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def dictionary() -> dict[str, str]:
    script = "import(process.argv[1]).then((m) => console.log(JSON.stringify(m.default)))"
    run = subprocess.run(["node", "-e", script, str(KEYS.with_name("zh.mjs"))], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_every_string_the_modeler_translates_has_chinese(shipped_keys: list[str], dictionary: dict[str, str]) -> None:
    missing = [key for key in shipped_keys if key not in dictionary]
    assert missing == []
    run = _node()
    assert (run.returncode, json.loads(run.stdout)) == (0, [])


def test_the_strings_read_include_those_translated_through_variables(shipped_keys: list[str]) -> None:
    # Replace-menu labels, hit policies, cell-editor labels, data types and panel headers are not literal
    # translate('…') calls: the check must still see them, or the 更改类型 menu and the table fall back to English.
    for key in ("Ad-hoc sub-process", "Escalation boundary event", "Compensation boundary event",
                "Parallel multi-instance", "Loop", "Collect (Sum)", "First", "Predefined values", "No values",
                "Expression language", "number", "string", "boolean", "date", "Add rule", "Annotation",
                "Timer Boundary Event (Non Interrupting)", "Open decision table", "Search in diagram"):
        assert key in shipped_keys, key


def test_translations_are_chinese_with_the_same_placeholders(dictionary: dict[str, str]) -> None:
    for english, chinese in dictionary.items():
        if english in NOT_TRANSLATED:
            continue
        assert re.search(r"[\u4e00-\u9fff\uff00-\uffef]", chinese), (english, chinese)
        assert sorted(re.findall(r"{\w+}", chinese)) == sorted(re.findall(r"{\w+}", english)), english
