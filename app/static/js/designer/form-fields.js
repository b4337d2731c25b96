// The form builder's field types: the form-js types the server can check, under Chinese names, and our own
// (金额, 日期, 客户, 理财项目, 用户, 角色, 附件) registered as form-js field extensions. Every other form-js type
// (button, datetime, dynamiclist, iframe, image …) is taken out of the registry, so the palette does not offer
// it. The renderers here only draw the field on the builder's canvas; task pages are rendered by the server.
import { h } from 'preact';
import { Description, Errors, Label } from '@bpmn-io/form-js-viewer';

// form-js type → [Chinese name, the default label of a new field]
const BUILT_IN = {
  textfield: '单行文本',
  textarea: '多行文本',
  number: '整数',
  checkbox: '是/否',
  select: '下拉选择',
  radio: '单选',
  text: '说明文字',
};

// Options a new select / radio starts with (form-js's own are English).
const FIRST_OPTIONS = [{ label: '选项一', value: '1' }, { label: '选项二', value: '2' }];
const COMMON_ENTRIES = ['label', 'description', 'key', 'readonly', 'required'];

function icon(glyph) {
  return function LicaiIcon() {
    return h('span', { class: `licai-field-icon bi bi-${glyph}`, 'aria-hidden': 'true' });
  };
}

function input(text, extra = {}) {
  return h('input', { class: 'fjs-input', type: 'text', disabled: true, placeholder: text, tabIndex: -1, ...extra });
}

function picker(text) {
  return h('select', { class: 'fjs-select fjs-input', disabled: true, tabIndex: -1 }, h('option', null, text));
}

// type → definition of our own field types
export const LICAI_TYPES = {
  'licai-amount': {
    name: '金额', group: 'basic-input', glyph: 'currency-yen', key: 'amount',
    entries: [...COMMON_ENTRIES, 'min', 'max'],
    control: () => h('div', { class: 'fjs-input-group' }, [
      h('span', { class: 'fjs-input-adornment border-right border-radius-left' }, '¥'), input('0.00'),
    ]),
  },
  'licai-date': {
    name: '日期', group: 'basic-input', glyph: 'calendar3', key: 'date',
    control: () => h('div', { class: 'fjs-input-group' }, [
      input('年-月-日'), h('span', { class: 'fjs-input-adornment border-left border-radius-right' }, h('span', { class: 'bi bi-calendar3' })),
    ]),
  },
  'licai-file': {
    name: '附件', group: 'basic-input', glyph: 'paperclip', key: 'attachment',
    control: (field) => input(field.properties?.accept ? `选择文件（${field.properties.accept}）` : '选择文件…'),
  },
  'licai-customer': {
    name: '客户', group: 'selection', glyph: 'person-vcard', key: 'customer_id',
    control: () => picker('选择客户（限本人数据范围）…'),
  },
  'licai-project': {
    name: '理财项目', group: 'selection', glyph: 'briefcase', key: 'project_id',
    control: () => picker('选择理财项目…'),
  },
  'licai-user': {
    name: '用户', group: 'selection', glyph: 'person', key: 'user_id',
    control: () => picker('选择用户…'),
  },
  'licai-role': {
    name: '角色', group: 'selection', glyph: 'people', key: 'role',
    control: () => picker('选择角色…'),
  },
};

// A key no field of the form uses yet: `base`, else base_2, base_3 …
function freeKey(formFieldRegistry, base) {
  const used = new Set(formFieldRegistry.getAll().map((field) => field.key).filter(Boolean));
  if (!used.has(base)) return base;
  let n = 2;
  while (used.has(`${base}_${n}`)) n += 1;
  return `${base}_${n}`;
}

function licaiField(type, definition, formFieldRegistry) {
  function LicaiField(props) {
    const { field, domId, errors = [] } = props;
    const required = Boolean(field.validate?.required);
    return h('div', { class: `fjs-form-field fjs-form-field-${type} licai-field-preview` }, [
      h(Label, { htmlFor: domId, label: field.label, required }),
      definition.control(field),
      h(Description, { id: `${domId}-description`, description: field.description }),
      h(Errors, { errors, id: `${domId}-error-message` }),
    ]);
  }
  LicaiField.config = {
    type,
    keyed: true,
    name: definition.name,
    label: definition.name,
    group: definition.group,
    emptyValue: null,
    sanitizeValue: ({ value }) => value,
    propertiesPanelEntries: definition.entries || COMMON_ENTRIES,
    icon: icon(definition.glyph),
    create: (options = {}) => ({
      ...options,
      key: options.key || freeKey(formFieldRegistry, definition.key),
    }),
  };
  return LicaiField;
}

// A form-js field under its Chinese name: same renderer and behaviour, Chinese default label and options.
function chinese(original, name) {
  function Renamed(props) {
    return h(original, props);
  }
  const config = original.config;
  Renamed.config = {
    ...config,
    name,
    create: (options = {}, isNewField) => {
      const field = config.create(options, isNewField);
      if (!isNewField) return field;
      if ('label' in field && (!options.label || options.label === config.label)) field.label = name;
      if (['select', 'radio'].includes(config.type) && !options.values) field.values = FIRST_OPTIONS.map((o) => ({ ...o }));
      if (config.type === 'text' && !options.text) field.text = '在这里写给处理人的说明。';
      return field;
    },
  };
  return Renamed;
}

class LicaiFormFields {
  constructor(formFields, formFieldRegistry) {
    for (const type of Object.keys(formFields._formFields)) {
      if (type === 'default') continue;
      const name = BUILT_IN[type];
      if (name) formFields.register(type, chinese(formFields.get(type), name));
      else delete formFields._formFields[type]; // not offered: the server refuses it
    }
    for (const [type, definition] of Object.entries(LICAI_TYPES)) {
      formFields.register(type, licaiField(type, definition, formFieldRegistry));
    }
  }
}
LicaiFormFields.$inject = ['formFields', 'formFieldRegistry'];

export default {
  __init__: ['licaiFormFields'],
  licaiFormFields: ['type', LicaiFormFields],
};
