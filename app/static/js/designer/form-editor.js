// 流程设计 › 任务表单: the form-js editor with our field types and properties, and the form's own settings
// (标题, 处理结果, 意见栏) in the card beside it. The page is an ordinary POST form: on 保存 / 预览 the editor's
// schema, with the settings written into its root `licai` object, goes into the hidden `schema` input and the
// server validates, stores and previews it. A refused save comes back with the submitted schema, so nothing
// the designer built is lost.
import { FormEditor } from '@bpmn-io/form-js-editor';

import { trackDirty } from './editor-actions';
import fieldsModule from './form-fields';
import { translateContinuously } from './form-i18n';
import propertiesModule from './form-properties';

const OUTCOME_CODE = /^[a-z][a-z0-9_]{0,39}$/;
const form = document.getElementById('form-definition');
const schemaInput = document.getElementById('form-schema');
const settings = document.getElementById('form-settings');
const outcomeRows = document.getElementById('outcome-rows');
const outcomeTemplate = document.getElementById('outcome-row-template');
const commentRequired = document.getElementById('comment-required');

function parsed(text, fallback) {
  try {
    return JSON.parse(text);
  } catch (_error) {
    return fallback;
  }
}

const catalog = parsed(document.getElementById('form-catalog').textContent, {});
let schema = parsed(schemaInput.value || '{}', {});
if (!schema || typeof schema !== 'object' || Array.isArray(schema)) schema = {};
schema = { type: 'default', components: [], ...schema };
const licai = schema.licai && typeof schema.licai === 'object' ? schema.licai : {};

// Unsaved work: changed in the builder or the settings, or sent but not saved (a preview, a refused save).
const dirty = trackDirty((isDirty) => {
  document.getElementById('dirty-flag').hidden = !isDirty;
});

// ---- the form's settings (root `licai`) ----

function outcomes() {
  return [...outcomeRows.querySelectorAll('.outcome-row')].map((row) => [
    row.querySelector('[data-outcome="code"]').value.trim(),
    row.querySelector('[data-outcome="label"]').value.trim(),
  ]).filter(([code, label]) => code || label);
}

function renderCommentRequired(checked) {
  const codes = outcomes().map(([code, label]) => [code, label]).filter(([code]) => code);
  commentRequired.innerHTML = '';
  if (!codes.length) {
    commentRequired.innerHTML = '<span class="text-body-secondary small">先添加处理结果</span>';
    return;
  }
  codes.forEach(([code, label], index) => {
    const wrap = document.createElement('div');
    wrap.className = 'form-check form-check-inline';
    const box = document.createElement('input');
    box.className = 'form-check-input';
    box.type = 'checkbox';
    box.id = `comment-required-${index}`;
    box.value = code;
    box.checked = checked.includes(code);
    const text = document.createElement('label');
    text.className = 'form-check-label';
    text.htmlFor = box.id;
    text.textContent = label ? `${label}（${code}）` : code;
    wrap.append(box, text);
    commentRequired.appendChild(wrap);
  });
}

function checkedCommentRequired() {
  return [...commentRequired.querySelectorAll('input:checked')].map((box) => box.value);
}

function addOutcome(code = '', label = '') {
  const row = outcomeTemplate.content.firstElementChild.cloneNode(true);
  row.querySelector('[data-outcome="code"]').value = code;
  row.querySelector('[data-outcome="label"]').value = label;
  outcomeRows.appendChild(row);
  return row;
}

document.getElementById('form-title').value = licai.title || '';
document.getElementById('form-comment-label').value = licai.commentLabel || '';
const initialOutcomes = Array.isArray(licai.outcomes) && licai.outcomes.length ? licai.outcomes : [['submit', '提交']];
for (const pair of initialOutcomes) if (Array.isArray(pair)) addOutcome(String(pair[0] ?? ''), String(pair[1] ?? ''));
renderCommentRequired(Array.isArray(licai.commentRequiredFor) ? licai.commentRequiredFor : []);

settings.addEventListener('click', (event) => {
  const button = event.target.closest('[data-action]');
  if (!button) return;
  const before = checkedCommentRequired();
  if (button.dataset.action === 'add-outcome') addOutcome().querySelector('[data-outcome="code"]').focus();
  if (button.dataset.action === 'remove-outcome') button.closest('.outcome-row').remove();
  renderCommentRequired(before);
});
outcomeRows.addEventListener('change', () => renderCommentRequired(checkedCommentRequired()));
settings.addEventListener('input', () => dirty.changed());
settings.addEventListener('click', (event) => {
  if (event.target.closest('[data-action]')) dirty.changed();
});

function settingsProblem() {
  const seen = new Set();
  for (const [code, label] of outcomes()) {
    if (!OUTCOME_CODE.test(code)) return `处理结果代码“${code}”无效：须以小写字母开头，只含小写字母、数字、下划线`;
    if (!label) return `处理结果 ${code} 需要名称`;
    if (seen.has(code)) return `处理结果 ${code} 重复`;
    seen.add(code);
  }
  return '';
}

// ---- the editor ----

const editor = new FormEditor({
  container: document.getElementById('form-builder'),
  additionalModules: [fieldsModule, propertiesModule],
  exporter: { name: 'LicaiFlow 流程设计', version: '1' },
  licai: { catalog },
});
window.licaiFormEditor = editor; // for browser tests and the console
translateContinuously(document.getElementById('form-builder'));

const builder = document.getElementById('form-builder');
let imported = false;
editor.importSchema(schema).then(() => {
  imported = true;
  if (builder.dataset.unsaved === 'true') dirty.changed();
  editor.on('commandStack.changed', () => dirty.changed());
  builder.dataset.loaded = 'true';
}).catch((error) => {
  const box = document.getElementById('form-builder-problem');
  box.textContent = `表单无法在设计器中打开：${error.message}`;
  box.hidden = false;
  builder.dataset.loaded = 'error';
});

// The schema to submit: the editor's export with the settings in `licai` (written here whether or not
// form-js keeps unknown root keys on export).
function currentSchema() {
  const exported = editor.saveSchema();
  const key = form.elements.key.value.trim();
  if (key) exported.id = `Form_${key}`;
  const commentLabel = document.getElementById('form-comment-label').value.trim();
  exported.licai = {
    title: document.getElementById('form-title').value.trim(),
    outcomes: outcomes(),
    commentRequiredFor: checkedCommentRequired(),
    ...(commentLabel ? { commentLabel } : {}),
  };
  return exported;
}
window.licaiFormSchema = currentSchema;

form.addEventListener('submit', (event) => {
  const problem = settingsProblem();
  const alert = document.getElementById('form-settings-problem');
  alert.hidden = !problem;
  alert.textContent = problem;
  if (problem && event.submitter?.value === 'save') {
    event.preventDefault();
    alert.scrollIntoView({ block: 'center' });
    return;
  }
  // A schema the builder could not open is sent back as it came, for the server to name what is wrong.
  if (imported) schemaInput.value = JSON.stringify(currentSchema());
  dirty.clean(); // the page is leaving with the work
});
