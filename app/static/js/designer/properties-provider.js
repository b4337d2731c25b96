// Properties-panel groups for exactly what LicaiFlow's engine reads from a diagram (docs/workflow.md):
// lane roles, start permissions and start form, user-task formKey / assignee / dueDays, conditions,
// default flows, timers, messages with correlation, payloads, service operations, scripts, decisions.
// Choices (roles, forms, operations, decisions) come from the server in the page's config.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry, SelectEntry, TextAreaEntry, TextFieldEntry,
  isCheckboxEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

// --- moddle helpers -----------------------------------------------------------------------------

function extensionOf(bo, type) {
  return (bo.extensionElements?.values || []).find((value) => is(value, type));
}

function ensureExtensionElements(element, bo, modeling, factory) {
  let ext = bo.extensionElements;
  if (!ext) {
    ext = factory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  return ext;
}

function ensureExtension(element, bo, type, attrs, modeling, factory) {
  let found = extensionOf(bo, type);
  if (!found) {
    const ext = ensureExtensionElements(element, bo, modeling, factory);
    found = factory.create(type, attrs);
    found.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), found] });
  }
  return found;
}

function removeExtension(element, bo, type, modeling) {
  const ext = bo.extensionElements;
  const found = extensionOf(bo, type);
  if (ext && found) modeling.updateModdleProperties(element, ext, { values: ext.values.filter((v) => v !== found) });
}

export function getProperty(bo, name) {
  const props = extensionOf(bo, 'spiffworkflow:Properties');
  return props?.properties?.find((p) => p.name === name)?.value || '';
}

function setProperty(element, bo, name, value, modeling, factory) {
  const existing = extensionOf(bo, 'spiffworkflow:Properties');
  const prop = existing?.properties?.find((p) => p.name === name);
  if (!value) {
    if (prop) modeling.updateModdleProperties(element, existing, { properties: existing.properties.filter((p) => p !== prop) });
    return;
  }
  if (prop) {
    modeling.updateModdleProperties(element, prop, { value });
    return;
  }
  const props = ensureExtension(element, bo, 'spiffworkflow:Properties', { properties: [] }, modeling, factory);
  const created = factory.create('spiffworkflow:Property', { name, value });
  created.$parent = props;
  modeling.updateModdleProperties(element, props, { properties: [...(props.properties || []), created] });
}

function bodyExtension(type) {
  return {
    get: (bo) => extensionOf(bo, type)?.value || '',
    set(element, bo, value, modeling, factory) {
      if (!value) { removeExtension(element, bo, type, modeling); return; }
      const found = ensureExtension(element, bo, type, {}, modeling, factory);
      modeling.updateModdleProperties(element, found, { value });
    },
  };
}

function definitionsOf(bo) {
  let node = bo;
  while (node && !is(node, 'bpmn:Definitions')) node = node.$parent;
  return node;
}

function eventDefinition(bo, type) {
  return (bo.eventDefinitions || []).find((d) => is(d, type));
}

// --- generic entries ------------------------------------------------------------------------------
// The components are defined once: entries differ only in their props (the panel passes an entry's fields
// as props). A component created per render would remount on every change, losing focus and typed text.

function useTools() {
  return {
    modeling: useService('modeling'), factory: useService('bpmnFactory'), debounce: useService('debounceInput'),
  };
}

function LicaiText(props) {
  const { element, id, label, description, get, set, area, rows } = props;
  const { modeling, factory, debounce } = useTools();
  const bo = getBusinessObject(element);
  const common = {
    element, id, label, description, debounce,
    getValue: () => get(bo, element),
    setValue: (value) => set(element, bo, (value || '').trim() ? value : '', modeling, factory),
  };
  return area ? h(TextAreaEntry, { ...common, rows: rows || 3, monospace: true }) : h(TextFieldEntry, common);
}

function LicaiSelect(props) {
  const { element, id, label, description, get, set, options } = props;
  const { modeling, factory } = useTools();
  const bo = getBusinessObject(element);
  return h(SelectEntry, {
    element, id, label, description,
    getValue: () => get(bo, element),
    setValue: (value) => set(element, bo, value, modeling, factory),
    getOptions: () => options(bo, element),
  });
}

function LicaiCheckbox(props) {
  const { element, id, label, description, get, set } = props;
  const { modeling, factory } = useTools();
  const bo = getBusinessObject(element);
  return h(CheckboxEntry, {
    element, id, label, description,
    getValue: () => get(bo, element),
    setValue: (value) => set(element, bo, value, modeling, factory),
  });
}

function textEntry(config) {
  return { ...config, component: LicaiText, isEdited: config.area ? isTextAreaEntryEdited : isTextFieldEntryEdited };
}

function selectEntry(config) {
  return { ...config, component: LicaiSelect, isEdited: isSelectEntryEdited };
}

function checkboxEntry(config) {
  return { ...config, component: LicaiCheckbox, isEdited: isCheckboxEntryEdited };
}

function propertyText(name, label, description) {
  return textEntry({
    id: `licai-${name}`, label, description,
    get: (bo) => getProperty(bo, name),
    set: (element, bo, value, modeling, factory) => setProperty(element, bo, name, value.trim(), modeling, factory),
  });
}

// --- groups -------------------------------------------------------------------------------------

function formOptions(catalog, current) {
  const options = [{ value: '', label: '（未选择）' }];
  for (const form of catalog.forms) options.push({ value: form.key, label: `${form.title}（${form.key}）` });
  if (current && !catalog.forms.some((f) => f.key === current)) options.push({ value: current, label: `${current}（不存在）` });
  return options;
}

function laneGroup(catalog) {
  return {
    id: 'licai-lane', label: '泳道（办理角色）',
    entries: [selectEntry({
      id: 'licai-lane-role', label: '角色',
      description: '本泳道的人工任务由该角色中数据范围覆盖业务对象的人员办理（图中保存角色编码，改角色名称不影响流程）',
      get: (bo) => {
        const name = bo.name || '';
        const role = catalog.roles.find((r) => r.code === name || r.name === name);
        return role ? role.code : name;
      },
      set: (element, bo, value, modeling) => modeling.updateProperties(element, { name: value }),
      options: (bo) => {
        const options = [{ value: '', label: '（未选择）' }, ...catalog.roles.map((r) => ({ value: r.code, label: r.name }))];
        if (bo.name && !catalog.roles.some((r) => r.code === bo.name || r.name === bo.name)) {
          options.push({ value: bo.name, label: `${bo.name}（不是已知角色）` });
        }
        return options;
      },
    })],
  };
}

function startGroup(catalog) {
  const roleEntries = catalog.roles.map((role) => checkboxEntry({
    id: `licai-start-role-${role.code}`, label: role.name,
    get: (bo) => splitRoles(getProperty(bo, 'startRoles')).some((r) => r === role.code || r === role.name),
    set: (element, bo, checked, modeling, factory) => {
      const current = splitRoles(getProperty(bo, 'startRoles')).filter((r) => r !== role.code && r !== role.name);
      if (checked) current.push(role.code);
      setProperty(element, bo, 'startRoles', current.join(','), modeling, factory);
    },
  }));
  return {
    id: 'licai-start', label: '发起设置（发起流程）',
    entries: [
      selectEntry({
        id: 'licai-start-form', label: '发起表单（formKey，可不选）',
        description: '发起时填写的表单，字段值成为流程变量',
        get: (bo) => getProperty(bo, 'formKey'),
        set: (element, bo, value, modeling, factory) => setProperty(element, bo, 'formKey', value, modeling, factory),
        options: (bo) => formOptions(catalog, getProperty(bo, 'formKey')),
      }),
      ...roleEntries,
    ],
  };
}

function splitRoles(value) {
  return (value || '').replace(/，/g, ',').split(',').map((v) => v.trim()).filter(Boolean);
}

function userTaskGroup(catalog) {
  return {
    id: 'licai-task', label: '任务设置',
    entries: [
      selectEntry({
        id: 'licai-formKey', label: '表单（formKey）', description: '必填；可在“流程设计 → 任务表单”中新建',
        get: (bo) => getProperty(bo, 'formKey'),
        set: (element, bo, value, modeling, factory) => setProperty(element, bo, 'formKey', value, modeling, factory),
        options: (bo) => formOptions(catalog, getProperty(bo, 'formKey')),
      }),
      propertyText('assignee', '处理人（表达式，可不填）', '得到用户 id 的表达式，如 owner_id、initiator_id、handler_id；填写后任务直接进入该用户的待办'),
      propertyText('dueDays', '办理期限（天，可不填）', '整数天数，用于待办的到期时间'),
    ],
  };
}

function conditionGroup() {
  return {
    id: 'licai-condition', label: '条件',
    entries: [
      textEntry({
        id: 'licai-condition-expression', label: '条件表达式', area: true,
        description: '如 outcome == "pass"、amount >= 100000；网关没有默认路径时每条出口都要有条件',
        get: (bo) => bo.conditionExpression?.body || '',
        set: (element, bo, value, modeling, factory) => {
          const expression = value.trim() ? factory.create('bpmn:FormalExpression', { body: value.trim() }) : undefined;
          modeling.updateProperties(element, { conditionExpression: expression });
        },
      }),
      checkboxEntry({
        id: 'licai-default-flow', label: '默认路径（其他条件都不满足时走这条）',
        get: (bo) => !!bo.sourceRef?.default && bo.sourceRef.default === bo,
        set: (element, bo, checked, modeling) => {
          const source = element.source;
          if (!source) return;
          modeling.updateProperties(source, { default: checked ? bo : undefined });
        },
      }),
    ],
  };
}

const TIMER_KINDS = [
  { value: 'timeDuration', label: '等待时长（如 "P3D"、"PT2H"）' },
  { value: 'timeDate', label: '到达时刻（ISO 日期时间表达式）' },
  { value: 'timeCycle', label: '周期（如 "R3/PT1H"）' },
];

function timerKind(definition) {
  return TIMER_KINDS.find((k) => definition?.[k.value])?.value || 'timeDuration';
}

function timerGroup() {
  return {
    id: 'licai-timer', label: '定时器',
    entries: [
      selectEntry({
        id: 'licai-timer-kind', label: '类型',
        get: (bo) => timerKind(eventDefinition(bo, 'bpmn:TimerEventDefinition')),
        set: (element, bo, value, modeling, factory) => {
          const definition = eventDefinition(bo, 'bpmn:TimerEventDefinition');
          const body = definition?.[timerKind(definition)]?.body || '"P1D"';
          const update = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
          update[value] = factory.create('bpmn:FormalExpression', { body });
          modeling.updateModdleProperties(element, definition, update);
        },
        options: () => TIMER_KINDS,
      }),
      textEntry({
        id: 'licai-timer-expression', label: '定时器表达式',
        description: 'ISO-8601 字符串要加引号："P3D" 为 3 天，"PT2H" 为 2 小时；也可以是计算出日期时间的表达式',
        get: (bo) => {
          const definition = eventDefinition(bo, 'bpmn:TimerEventDefinition');
          return definition?.[timerKind(definition)]?.body || '';
        },
        set: (element, bo, value, modeling, factory) => {
          const definition = eventDefinition(bo, 'bpmn:TimerEventDefinition');
          const update = {};
          update[timerKind(definition)] = value.trim() ? factory.create('bpmn:FormalExpression', { body: value.trim() }) : undefined;
          modeling.updateModdleProperties(element, definition, update);
        },
      }),
    ],
  };
}

// Message events and send/receive tasks: the message (by name), its correlation fields, payload, variable.
function messageHolder(bo) {
  const definition = eventDefinition(bo, 'bpmn:MessageEventDefinition');
  if (definition) return definition;
  return isAny(bo, ['bpmn:SendTask', 'bpmn:ReceiveTask']) ? bo : null;
}

function isThrowing(bo) {
  return isAny(bo, ['bpmn:IntermediateThrowEvent', 'bpmn:EndEvent', 'bpmn:SendTask']);
}

function correlationProperties(definitions, message) {
  if (!definitions || !message) return [];
  return (definitions.rootElements || []).filter((root) => is(root, 'bpmn:CorrelationProperty')
    && (root.correlationPropertyRetrievalExpression || []).some((e) => e.messageRef === message));
}

function setMessageName(element, bo, value, modeling, factory) {
  const holder = messageHolder(bo);
  const definitions = definitionsOf(bo);
  const name = value.trim();
  if (!name) { modeling.updateModdleProperties(element, holder, { messageRef: undefined }); return; }
  let message = (definitions.rootElements || []).find((root) => is(root, 'bpmn:Message') && root.name === name);
  if (!message) {
    message = factory.create('bpmn:Message', { name });
    message.$parent = definitions;
    modeling.updateModdleProperties(element, definitions, { rootElements: [...definitions.rootElements, message] });
  }
  modeling.updateModdleProperties(element, holder, { messageRef: message });
}

function setCorrelation(element, bo, value, modeling, factory) {
  const message = messageHolder(bo)?.messageRef;
  const definitions = definitionsOf(bo);
  if (!message) return;
  const wanted = value.replace(/，/g, ',').split(',').map((v) => v.trim()).filter(Boolean);
  for (const property of correlationProperties(definitions, message)) {
    if (wanted.includes(property.id)) continue;
    const remaining = property.correlationPropertyRetrievalExpression.filter((e) => e.messageRef !== message);
    if (remaining.length) {
      modeling.updateModdleProperties(element, property, { correlationPropertyRetrievalExpression: remaining });
    } else {
      modeling.updateModdleProperties(element, definitions, { rootElements: definitions.rootElements.filter((r) => r !== property) });
    }
  }
  for (const field of wanted) {
    let property = (definitions.rootElements || []).find((r) => is(r, 'bpmn:CorrelationProperty') && r.id === field);
    const expression = factory.create('bpmn:CorrelationPropertyRetrievalExpression', {
      messageRef: message, messagePath: factory.create('bpmn:FormalExpression', { body: field }),
    });
    if (!property) {
      // The property's id is the payload field: the engine matches it with the waiting instance's variable.
      property = factory.create('bpmn:CorrelationProperty', { id: field, name: field, correlationPropertyRetrievalExpression: [expression] });
      property.$parent = definitions;
      expression.$parent = property;
      modeling.updateModdleProperties(element, definitions, { rootElements: [...definitions.rootElements, property] });
    } else if (!(property.correlationPropertyRetrievalExpression || []).some((e) => e.messageRef === message)) {
      expression.$parent = property;
      modeling.updateModdleProperties(element, property, {
        correlationPropertyRetrievalExpression: [...(property.correlationPropertyRetrievalExpression || []), expression],
      });
    }
  }
}

function messageGroup(bo) {
  const holder = messageHolder(bo);
  const payload = bodyExtension('spiffworkflow:MessagePayload');
  const variable = bodyExtension('spiffworkflow:MessageVariable');
  const entries = [
    textEntry({
      id: 'licai-message-name', label: '消息名称', description: '发送与接收双方使用同一个名称，如 project_raise_failed',
      get: (b) => messageHolder(b)?.messageRef?.name || '',
      set: setMessageName,
    }),
    textEntry({
      id: 'licai-message-correlation', label: '关联字段（逗号分隔，可不填）',
      description: '消息内容中这些字段的值必须等于等待实例的同名变量，如 project_id',
      get: (b) => correlationProperties(definitionsOf(b), messageHolder(b)?.messageRef).map((p) => p.id).join(', '),
      set: setCorrelation,
    }),
  ];
  if (isThrowing(bo)) {
    entries.push(textEntry({
      id: 'licai-message-payload', label: '消息内容（表达式）', area: true,
      description: '得到一个字典，如 {"project_id": project_id, "reason": reason}',
      get: (b) => payload.get(extensionHolder(b)), set: (element, b, value, modeling, factory) => payload.set(element, extensionHolder(b), value, modeling, factory),
    }));
  } else {
    entries.push(textEntry({
      id: 'licai-message-variable', label: '消息变量（可不填）', description: '收到的消息内容存入这个流程变量',
      get: (b) => variable.get(extensionHolder(b)), set: (element, b, value, modeling, factory) => variable.set(element, extensionHolder(b), value.trim(), modeling, factory),
    }));
  }
  return holder ? { id: 'licai-message', label: '消息', entries } : null;
}

function extensionHolder(bo) {
  // Payload and message variable sit on the message event definition (or on the task itself).
  return messageHolder(bo);
}

// Service-operation parameters are expressions in the diagram. The entry depends on the parameter's kind
// (app/workflow/operation_params.py): a select writes the chosen value as a literal ("dept_head", 12), a text
// entry stores what is typed as a quoted string (starting with = it is an expression instead), an expression
// entry stores what is typed. An emptied parameter is removed: the operation's default applies.
function operatorOf(bo) {
  return extensionOf(bo, 'spiffworkflow:ServiceTaskOperator');
}

function paramValue(bo, name) {
  return (operatorOf(bo)?.parameterList?.parameters || []).find((p) => p.id === name)?.value || '';
}

function setParamValue(element, bo, name, value, modeling, factory) {
  const operator = operatorOf(bo);
  if (!operator) return;
  let parameters = operator.parameterList;
  const param = (parameters?.parameters || []).find((p) => p.id === name);
  if (!value) {
    if (param) modeling.updateModdleProperties(element, parameters, { parameters: parameters.parameters.filter((p) => p !== param) });
    return;
  }
  if (param) { modeling.updateModdleProperties(element, param, { value }); return; }
  if (!parameters) {
    parameters = factory.create('spiffworkflow:Parameters', { parameters: [] });
    parameters.$parent = operator;
    modeling.updateModdleProperties(element, operator, { parameterList: parameters });
  }
  const created = factory.create('spiffworkflow:Parameter', { id: name, type: 'any', value });
  created.$parent = parameters;
  modeling.updateModdleProperties(element, parameters, { parameters: [...(parameters.parameters || []), created] });
}

function textOfLiteral(value) {
  if (!value) return '';
  if (value.startsWith('"')) {
    try { const text = JSON.parse(value); if (typeof text === 'string') return text; } catch (e) { /* an expression */ }
  }
  return `=${value}`;
}

function literalOfText(text) {
  if (!text.trim()) return '';
  return text.startsWith('=') ? text.slice(1).trim() : JSON.stringify(text);
}

function paramLabel(param) {
  return `${param.label}${param.required ? '（必填）' : ''}`;
}

function paramEntry(param) {
  const id = `licai-operation-param-${param.name}`;
  const set = (element, b, value, modeling, factory) => setParamValue(element, b, param.name, value, modeling, factory);
  if (param.editor === 'select') {
    const example = param.options[0]?.value || '"…"';
    return selectEntry({
      id, label: paramLabel(param),
      description: `${param.description ? `${param.description}；` : ''}图中保存为带引号的值，如 ${example}`,
      get: (b) => paramValue(b, param.name),
      set,
      options: (b) => {
        const current = paramValue(b, param.name);
        const options = [{ value: '', label: param.required ? '（请选择）' : '（不填，使用默认）' }, ...param.options];
        if (current && !param.options.some((o) => o.value === current)) {
          options.push({ value: current, label: `${current}（表达式或不在可选范围内）` });
        }
        return options;
      },
    });
  }
  if (param.editor === 'text') {
    return textEntry({
      id, label: `${paramLabel(param)}（文字）`,
      description: `${param.description ? `${param.description}；` : ''}按原文保存为带引号的文字；以 = 开头则为表达式，如 =comment`,
      get: (b) => textOfLiteral(paramValue(b, param.name)),
      set: (element, b, value, modeling, factory) => set(element, b, literalOfText(value), modeling, factory),
    });
  }
  return textEntry({
    id, label: `${paramLabel(param)}（表达式）`,
    description: `${param.kind_label}${param.description ? `：${param.description}` : ''}；文字要加引号，如 "你好"`,
    get: (b) => paramValue(b, param.name),
    set: (element, b, value, modeling, factory) => set(element, b, value.trim(), modeling, factory),
  });
}

function operationGroup(catalog, bo) {
  const entries = [
    selectEntry({
      id: 'licai-operation', label: '服务操作', description: '只能调用系统登记的业务操作；参数随操作显示在下方',
      get: (b) => operatorOf(b)?.id || '',
      set: (element, b, value, modeling, factory) => {
        if (!value) { removeExtension(element, b, 'spiffworkflow:ServiceTaskOperator', modeling); return; }
        const operator = ensureExtension(element, b, 'spiffworkflow:ServiceTaskOperator', {}, modeling, factory);
        const spec = catalog.operations.find((o) => o.name === value);
        const parameters = factory.create('spiffworkflow:Parameters', { parameters: [] });
        parameters.$parent = operator;
        // Values of parameters the new operation shares with the old one are kept; the others are dropped.
        parameters.parameters = (spec?.params || []).map((p) => {
          const old = (operator.parameterList?.parameters || []).find((q) => q.id === p.name);
          if (!old?.value) return null;
          const param = factory.create('spiffworkflow:Parameter', { id: p.name, type: 'any', value: old.value });
          param.$parent = parameters;
          return param;
        }).filter(Boolean);
        modeling.updateModdleProperties(element, operator, { id: value, parameterList: parameters });
      },
      options: (b) => {
        const options = [{ value: '', label: '（未选择）' }, ...catalog.operations.map((o) => ({ value: o.name, label: `${o.label}（${o.name}）` }))];
        const current = operatorOf(b)?.id;
        if (current && !catalog.operations.some((o) => o.name === current)) options.push({ value: current, label: `${current}（未注册）` });
        return options;
      },
    }),
    textEntry({
      id: 'licai-operation-result', label: '结果变量（可不填）', description: '操作的返回值存入这个流程变量',
      get: (b) => operatorOf(b)?.resultVariable || '',
      set: (element, b, value, modeling, factory) => {
        const operator = ensureExtension(element, b, 'spiffworkflow:ServiceTaskOperator', {}, modeling, factory);
        modeling.updateModdleProperties(element, operator, { resultVariable: value.trim() || undefined });
      },
    }),
  ];
  const spec = catalog.operations.find((o) => o.name === operatorOf(bo)?.id);
  for (const param of spec?.params || []) entries.push(paramEntry(param));
  return { id: 'licai-service', label: '服务操作', entries };
}

function scriptGroup() {
  return {
    id: 'licai-script', label: '脚本',
    entries: [textEntry({
      id: 'licai-script-body', label: '脚本（受限 Python）', area: true, rows: 8,
      description: '在沙箱中运行，限时 2 秒：不能 import，不能访问下划线开头的属性；副作用请用服务操作',
      get: (bo) => bo.script || '',
      set: (element, bo, value, modeling) => modeling.updateProperties(element, { scriptFormat: 'python', script: value }),
    })],
  };
}

function prePostScriptGroup() {
  const pre = bodyExtension('spiffworkflow:PreScript');
  const post = bodyExtension('spiffworkflow:PostScript');
  return {
    id: 'licai-pre-post', label: '前置 / 后置脚本',
    entries: [
      textEntry({ id: 'licai-pre-script', label: '前置脚本（任务开始前）', area: true, get: pre.get, set: pre.set }),
      textEntry({ id: 'licai-post-script', label: '后置脚本（任务完成后）', area: true, get: post.get, set: post.set }),
    ],
  };
}

function decisionGroup(catalog) {
  const called = bodyExtension('spiffworkflow:CalledDecisionId');
  return {
    id: 'licai-decision', label: '规则表',
    entries: [selectEntry({
      id: 'licai-decision-id', label: '决策（DMN）', description: '结果写入流程变量（决策表输出列的名称）',
      get: called.get, set: called.set,
      options: (bo) => {
        const current = called.get(bo);
        const options = [{ value: '', label: '（未选择）' }, ...catalog.decisions.map((d) => ({ value: d, label: d }))];
        if (current && !catalog.decisions.includes(current)) options.push({ value: current, label: `${current}（不存在）` });
        return options;
      },
    })],
  };
}

// --- provider -----------------------------------------------------------------------------------

// The base provider's groups for what our groups edit in the engine's terms (message by name, timer expressions).
const REPLACED = new Set(['message', 'timer']);

export default class LicaiPropertiesProvider {
  constructor(propertiesPanel, config, translate) {
    this.catalog = config.catalog || { roles: [], forms: [], operations: [], decisions: [] };
    this.translate = translate;
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element) {
    return (groups) => {
      const bo = getBusinessObject(element);
      const kept = groups.filter((group) => !REPLACED.has(group.id));
      const extra = [];
      if (is(element, 'bpmn:Lane')) {
        // A lane's name is its role's code: the 角色 choice edits it, showing the role's name.
        const general = kept.find((group) => group.id === 'general');
        if (general) general.entries = general.entries.filter((entry) => entry.id !== 'name');
        extra.push(laneGroup(this.catalog));
      }
      if (is(element, 'bpmn:StartEvent') && is(bo.$parent, 'bpmn:Process')) extra.push(startGroup(this.catalog));
      if (isAny(element, ['bpmn:UserTask', 'bpmn:ManualTask'])) extra.push(userTaskGroup(this.catalog));
      if (is(element, 'bpmn:SequenceFlow')) extra.push(conditionGroup());
      if (eventDefinition(bo, 'bpmn:TimerEventDefinition')) extra.push(timerGroup());
      const message = messageGroup(bo);
      if (message) extra.push(message);
      if (is(element, 'bpmn:ServiceTask')) extra.push(operationGroup(this.catalog, bo));
      if (is(element, 'bpmn:ScriptTask')) extra.push(scriptGroup());
      if (is(element, 'bpmn:BusinessRuleTask')) extra.push(decisionGroup(this.catalog));
      if (is(element, 'bpmn:Activity') && !is(element, 'bpmn:SubProcess')) extra.push(prePostScriptGroup());
      const general = kept.findIndex((group) => group.id === 'general');
      kept.splice(general + 1, 0, ...extra);
      // The panel's groups take `translate` as a prop (their toggle and edited-marker tooltips) and are not
      // given it: without it they stay English.
      return kept.map((group) => ({ ...group, translate: this.translate }));
    };
  }
}

LicaiPropertiesProvider.$inject = ['propertiesPanel', 'config.licai', 'translate'];
