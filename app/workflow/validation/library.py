"""SpiffWorkflow's and lxml's English parse errors, told in Chinese against the element they concern.

The library raises ``ValidationException`` with an English text (and, for XSD errors, only a line number);
known texts are translated, unknown ones keep the original after a Chinese prefix so nothing is lost.
"""

from __future__ import annotations

import re

from lxml import etree

from app.workflow.validation.common import DATA_STORE_UNSUPPORTED, Problem, name_of

_PREFIXES = {
    "http://www.omg.org/spec/BPMN/20100524/MODEL": "bpmn",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
}
_QNAME = re.compile(r"\{([^}]*)\}([\w.-]+)")

# Words captured from the English texts, in Chinese; other captured text is kept (namespaces shortened).
WORDS = {"Message": "消息", "Signal": "信号", "Error": "错误", "Escalation": "升级", "Correlation": "关联属性",
         "Data Store": "数据存储", "Input": "输入", "input": "输入", "Output": "输出", "output": "输出"}

# (English text of SpiffWorkflow's parser, Chinese template with the captured groups as {0}, {1}).
LIBRARY_TEXTS: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), t) for p, t in [
    (r"A Service Task must have an operator", "服务任务没有指定服务操作（spiffworkflow:serviceTaskOperator）"),
    (r"Exactly one start event is required in a SubWorkflow Task; found (\d+)",
     "子流程必须恰好有一个开始事件，现有 {0} 个"),
    (r"A SubWorkflow Must contain an End event", "子流程必须有结束事件"),
    (r"No start event found", "流程没有开始事件"),
    (r"Process (\S+) is not executable", "流程 {0} 不可执行（isExecutable 不是 true），不能运行或被调用"),
    (r"The process '([^']*)' was not found", "找不到 id 为 {0} 的流程（调用活动的 calledElement 或流程标识有误）"),
    (r'No "calledElement" attribute for Call Activity', "调用活动没有指定被调用的流程（calledElement）"),
    (r"Duplicate process ID: (\S+)", "流程 id {0} 重复"),
    (r"Data Store with name (.+?) has no implementation", DATA_STORE_UNSUPPORTED),
    (r"Data Store name is missing", "数据存储（dataStore）缺少名称"),
    (r"(Message|Signal|Error|Escalation|Correlation|Data Store) identifier is missing",
     "{0}定义缺少 id"),
    (r"Cannot resolve data(Input|Output)Association", "数据{0}关联指向的数据对象或数据存储不存在"),
    (r"Unknown Time Specification", "定时器没有指定时间（timeDuration、timeDate 或 timeCycle）"),
    (r"Time Specification Error\. ?(.*)", "定时器定义有误：{0}"),
    (r"Non-default exclusive outgoing sequence flow without condition", "网关的非默认出口连线没有条件"),
    (r"There is no support implemented for this task type", "不支持这种元素"),
    (r"Multiple outgoing flows are not supported", "这种任务不能有多条出口连线，请在后面加一个网关"),
    (r"When looking for a task spec.*\((.*)\)", "连线指向的元素 {0} 不存在或 id 重复"),
    (r"A loopMaximum or loopCondition must be specified",
     "循环任务必须设置最大次数（loopMaximum）或循环条件（loopCondition）"),
    (r"A multiinstance task must specify a cardinality or",
     "多实例任务必须设置实例数（loopCardinality）或输入集合（loopDataInputRef）"),
    (r"A multiinstance task must specify exactly one of",
     "多实例任务只能设置实例数（loopCardinality）与输入集合（loopDataInputRef）之一"),
    (r"The loop (input|output) data reference is missing", "多实例的{0}集合不在输入输出定义（ioSpecification）中"),
    (r"Cancel Events may only be used with transactions", "取消事件只能用于事务子流程"),
    (r"Invalid Script Task\.\s+No Script Provided", "脚本任务没有脚本内容"),
    (r"Expected an? (Message|Signal|Error|Escalation) node", "事件引用的{0}定义不存在"),
    (r"Correlation is missing correlation property retrieval expressions: (\S+)",
     "关联属性 {0} 没有取值表达式（correlationPropertyRetrievalExpression）"),
    (r"Message identifier is missing from correlation property: (\S+)",
     "关联属性 {0} 的取值表达式没有指定消息（messageRef）"),
    (r"Could not find messageRef from message event definition: (\S+)",
     "消息事件定义 {0} 没有指定消息（messageRef）"),
    (r"Conditional event definition with missing condition", "条件事件没有条件"),
    (r"Sequential ordering for ad hoc subprocesses not supported", "不支持顺序执行的自由子流程（ad hoc）"),
    (r"Ad hoc subprocesses may not contain start or end events", "自由子流程（ad hoc）不能包含开始或结束事件"),
    (r"RecursionError", "流程图串联或嵌套过深，超过了解析的递归限制：请减少层级，或把一段流程拆成调用活动"),
    (r"No decisions found", "文件中没有决策（decision）"),
    (r"Multiple decision tables are not current supported", "一个文件只能有一个决策表"),
    (r"Unknown type in decision table: (.+)", "决策表中有不支持的元素 {0}"),
    (r"Malformed Output Expression '(.*)'\.", "结果表达式“{0}”不是 Python 表达式"),
    (r'No DMN Diagram available with id "([^"]*)"', "规则任务调用的决策 {0} 不存在（未发布或 id 有误）"),
]]

# lxml's XSD texts, after the "Element 'x'[, attribute 'y']: " head.
XSD_TEXTS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), t) for p, t in [
    (r"This element is not expected\. Expected is.*?\( ?(.+?) ?\)", "此处不允许这个元素，应为 {0}"),
    (r"This element is not expected", "此处不允许这个元素"),
    (r"The attribute '([^']+)' is not allowed", "不允许属性 {0}"),
    (r"The attribute '([^']+)' is required but missing", "缺少必需的属性 {0}"),
    (r"'([^']*)' is not a valid value of the (?:atomic|list) type '([^']+)'", "值“{0}”不是合法的 {1}"),
    (r"Missing child element\(s\)\. Expected is.*?\( ?(.+?) ?\)", "缺少子元素 {0}"),
    (r"No matching global declaration available for the validation root",
     "根元素不是 BPMN/DMN 的 definitions（命名空间有误？）"),
    (r"Character content other than whitespace is not allowed", "这里不允许文字内容"),
]]
_XSD_HEAD = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$", re.S)


def shorten(text: str) -> str:
    """``{http://…/MODEL}task`` → ``bpmn:task`` (other namespaces keep only the local name)."""
    return _QNAME.sub(lambda m: f"{_PREFIXES[m[1]]}:{m[2]}" if m[1] in _PREFIXES else m[2], text)


def _render(table: list[tuple[re.Pattern[str], str]], text: str) -> str | None:
    for pattern, template in table:
        match = pattern.search(text)
        if match:
            return template.format(*(WORDS.get(g, shorten(g)) for g in match.groups(default="")))
    return None


def translate(text: str) -> str:
    """A library parse error in Chinese; unknown texts keep the original behind a Chinese prefix."""
    text = str(text).strip()
    found = _render(LIBRARY_TEXTS, text)
    if found is not None:
        return found
    return f"流程图无法解析（SpiffWorkflow：{shorten(text)}）"


def _element_at(root: etree._Element | None, tag: str, line: int | None) -> etree._Element | None:
    if root is None or not line:
        return None
    for node in root.iter(tag):
        if node.sourceline == line:
            return node
    return None


def xsd_problem(root: etree._Element | None, text: str, line: int | None, what: str = "BPMN") -> Problem:
    """An XSD error with the element, the line and the rule broken; the element's id when it has one."""
    head = _XSD_HEAD.match(str(text).strip())
    if not head:
        where = f"第 {line} 行：" if line else ""
        return Problem("", "", f"不符合 {what} 规范（XSD）：{where}{shorten(str(text))}")
    tag, attribute, rest = head[1], head[2], head[3].strip()
    detail = _render(XSD_TEXTS, rest) or f"原文：{shorten(rest)}"
    node = _element_at(root, tag, line)
    subject = f"元素 {shorten(tag)}" + (f" 的属性 {attribute}" if attribute else "")
    message = f"不符合 {what} 规范（XSD）：第 {line} 行{subject}：{detail}"
    if node is None:
        return Problem("", "", message)
    return Problem(str(node.get("id") or ""), name_of(node), message)


def problem_from(exc: Exception, root: etree._Element | None, what: str = "BPMN") -> Problem:
    """A library ``ValidationException`` as a problem: XSD errors by line and element, others translated."""
    text = str(exc).strip()
    line = getattr(exc, "line_number", None)
    if text.startswith("Element '") or text.startswith("No matching global"):
        return xsd_problem(root, text, int(str(line)) if str(line or "").isdigit() else None, what)
    return Problem(str(getattr(exc, "id", "") or ""), str(getattr(exc, "name", "") or ""), translate(text))
