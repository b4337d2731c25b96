// The form builder's properties panel: only the settings the server understands (see docs/form-schema.md),
// group names in Chinese, and a 业务设置 group for our custom properties — 基础数据字典 (select / radio),
// 候选人来源 (用户), 允许的文件类型 (附件) and 仅在这些处理结果时必填 (any field). form-js's properties panel
// components are bundled inside the editor and not exported, so our entries are small preact components with
// the panel's own markup and classes.
import { h } from 'preact';

const GROUP_LABELS = {
  general: '常规',
  validation: '校验',
  staticOptions: '选项',
};
// Entries designers do not need or the server refuses (FEEL-driven, layout, serialisation …).
const HIDDEN_ENTRIES = new Set([
  'id', 'versionTag', 'defaultValue', 'disabled', 'searchable', 'decimalDigits', 'increment', 'validationType',
  'minLength', 'pattern', 'patternErrorMessage',
]);

function hidden(id) {
  return HIDDEN_ENTRIES.has(id) || /-(decimalDigits|step)$/.test(id); // 整数: no decimals, no increment
}

function entryId(id) {
  return `bio-properties-panel-${id}`;
}

function Description({ text }) {
  return text ? h('div', { class: 'bio-properties-panel-description' }, text) : null;
}

function SelectProperty(props) {
  const { id, label, description, options, value, onChange } = props;
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': id }, [
    h('div', { class: 'bio-properties-panel-select' }, [
      h('label', { for: entryId(id), class: 'bio-properties-panel-label' }, label),
      h('select', { id: entryId(id), name: id, class: 'bio-properties-panel-input', value,
        onChange: (event) => onChange(event.target.value) },
      options.map(([code, text]) => h('option', { value: code, selected: code === value }, text))),
    ]),
    h(Description, { text: description }),
  ]);
}

function TextProperty(props) {
  const { id, label, description, value, placeholder, onChange } = props;
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': id }, [
    h('div', { class: 'bio-properties-panel-textfield' }, [
      h('label', { for: entryId(id), class: 'bio-properties-panel-label' }, label),
      h('input', { id: entryId(id), name: id, type: 'text', class: 'bio-properties-panel-input', value, placeholder,
        spellcheck: false, autocomplete: 'off', onChange: (event) => onChange(event.target.value.trim()) }),
    ]),
    h(Description, { text: description }),
  ]);
}

// field.properties[name] (a string), and a setter that removes the property when emptied.
function property(field, editField, name) {
  const value = (field.properties && field.properties[name]) || '';
  const setValue = (next) => {
    const properties = { ...(field.properties || {}) };
    if (next) properties[name] = next;
    else delete properties[name];
    editField(field, ['properties'], properties);
  };
  return [value, setValue];
}

function DictionaryEntry({ id, field, editField, catalog }) {
  const [value, setValue] = property(field, editField, 'dictionary');
  const options = [['', '不使用（在“选项”中列出）'], ...catalog.dictionaries.map((d) => [d.code, d.name])];
  return h(SelectProperty, {
    id, label: '基础数据字典', value, options,
    description: '选项来自系统管理中维护的字典；选择后不再使用列出的选项。',
    onChange: (next) => {
      setValue(next);
      // the server takes the options from one source only
      if (next && field.values && field.values.length) editField(field, ['values'], []);
    },
  });
}

const DEFAULT_PEOPLE = 'colleagues'; // the server's default people source

function CandidatesEntry({ id, field, editField, catalog }) {
  const [value, setValue] = property(field, editField, 'candidates');
  const options = catalog.people.map((p) => [p.code, p.label]);
  if (!options.some(([code]) => code === DEFAULT_PEOPLE)) options.unshift([DEFAULT_PEOPLE, '同事（默认）']);
  return h(SelectProperty, { id, label: '候选人来源', value: value || DEFAULT_PEOPLE, options,
    onChange: (next) => setValue(next === DEFAULT_PEOPLE ? '' : next),
    description: '处理人可以从哪些用户中选择。' });
}

function AcceptEntry({ id, field, editField }) {
  const [value, setValue] = property(field, editField, 'accept');
  return h(TextProperty, { id, label: '允许的文件类型', value, placeholder: '.pdf,.jpg,.png', onChange: setValue,
    description: '用英文逗号分隔的扩展名；留空表示不限。' });
}

function RequiredForEntry({ id, field, editField }) {
  const [value, setValue] = property(field, editField, 'requiredFor');
  return h(TextProperty, {
    id, label: '仅在这些处理结果时必填', value, placeholder: '如 done,forward',
    onChange: (next) => setValue(next.split(/[,，、\s]+/).filter(Boolean).join(',')),
    description: '填下方“表单设置”中处理结果的代码，多个用逗号分隔。勾选“必填”则任何处理结果都必填。',
  });
}

function FormHint({ id }) {
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': id },
    h('div', { class: 'bio-properties-panel-description' },
      '在画布上点选一个字段，在这里编辑它的标签、键（流程变量名）、必填等属性。表单的标题、处理结果和意见栏在下方“表单设置”中。'));
}

export function licaiEntries(field, editField, catalog) {
  const common = { field, editField, catalog };
  const entries = [];
  const { type } = field;
  if (type === 'select' || type === 'radio') entries.push({ id: 'licai-dictionary', component: DictionaryEntry, ...common });
  if (type === 'licai-user') entries.push({ id: 'licai-candidates', component: CandidatesEntry, ...common });
  if (type === 'licai-file') entries.push({ id: 'licai-accept', component: AcceptEntry, ...common });
  if (field.key !== undefined) entries.push({ id: 'licai-requiredFor', component: RequiredForEntry, ...common });
  return entries;
}

class LicaiPropertiesProvider {
  constructor(propertiesPanel, config) {
    this._catalog = { dictionaries: [], people: [], roles: [], ...(config && config.catalog) };
    propertiesPanel.registerProvider(this, 500); // after form-js's own provider (1000)
  }

  getGroups(field, editField) {
    return (groups) => {
      if (!field) return groups;
      if (field.type === 'default') { // the form's own settings are in the card below the builder
        return [{ id: 'licai-form', label: '使用说明', shouldOpen: true,
          entries: [{ id: 'licai-form-hint', component: FormHint }] }];
      }
      const kept = [];
      for (const group of groups) {
        if (!(group.id in GROUP_LABELS)) continue;
        if (group.id === 'staticOptions' && field.properties && field.properties.dictionary) continue;
        if (group.entries) group.entries = group.entries.filter((entry) => !hidden(entry.id));
        if (!group.items && !(group.entries && group.entries.length)) continue;
        kept.push({ ...group, label: GROUP_LABELS[group.id] });
      }
      const entries = licaiEntries(field, editField, this._catalog);
      if (entries.length) kept.push({ id: 'licai', label: '业务设置', entries });
      return kept;
    };
  }
}
LicaiPropertiesProvider.$inject = ['propertiesPanel', 'config.licai'];

export default {
  __init__: ['licaiPropertiesProvider'],
  licaiPropertiesProvider: ['type', LicaiPropertiesProvider],
};
