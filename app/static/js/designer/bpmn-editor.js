// 流程设计: the bpmn-js Modeler with LicaiFlow's properties panel, problems shown on the elements they
// concern, comparison with a published version, and the shared toolbar (draft, validate, deploy).
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import canvasBehaviour from './canvas-behaviour';
import { escapeHtml, readConfig, setupToolbar, status, trackDirty } from './editor-actions';
import LicaiPropertiesProvider from './properties-provider';
import spiffworkflow from './spiffworkflow.json';
import translate from './i18n/translate';

const config = readConfig();
const licaiModule = {
  __init__: ['licaiPropertiesProvider'],
  licaiPropertiesProvider: ['type', LicaiPropertiesProvider],
  translate: ['value', translate],
};

const modeler = new BpmnModeler({
  container: '#canvas',
  propertiesPanel: { parent: '#properties' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, canvasBehaviour, licaiModule],
  moddleExtensions: { spiffworkflow },
  licai: { catalog: config.catalog },
});
window.licaiModeler = modeler; // for browser tests and the console

const canvas = modeler.get('canvas');
const overlays = modeler.get('overlays');
const registry = modeler.get('elementRegistry');
const selection = modeler.get('selection');
let marked = [];

const dirty = trackDirty((isDirty) => {
  document.getElementById('dirty-flag').hidden = !isDirty;
});

const editor = {
  async getXml() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  },
  clearMarks() {
    for (const [id, marker] of marked) if (registry.get(id)) canvas.removeMarker(id, marker);
    marked = [];
    overlays.remove({ type: 'designer-problem' });
  },
  showProblems(problems) {
    for (const problem of problems) {
      if (!problem.element_id || !registry.get(problem.element_id)) continue;
      canvas.addMarker(problem.element_id, 'designer-error');
      marked.push([problem.element_id, 'designer-error']);
      overlays.add(problem.element_id, 'designer-problem', {
        position: { bottom: -6, left: 0 },
        html: `<div class="designer-problem" data-element="${escapeHtml(problem.element_id)}">⚠ ${escapeHtml(problem.message)}</div>`,
      });
    }
  },
  select(id) {
    const element = registry.get(id);
    if (!element) return;
    selection.select(element);
    canvas.scrollToElement(element);
  },
  setClean() { dirty.clean(); },
};

const toolbar = setupToolbar(config, editor);

// Fit the diagram, never larger than 1:1, and keep it clear of the palette on the left.
function fitBesidePalette() {
  canvas.zoom('fit-viewport', 'auto');
  canvas.zoom(Math.min(canvas.zoom() * 0.85, 1), 'auto');
  const palette = document.querySelector('.djs-palette');
  canvas.scroll({ dx: palette ? palette.offsetWidth / 2 : 0, dy: 0 });
}

async function load(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const data = await response.json();
  await modeler.importXML(data.xml);
  fitBesidePalette();
  dirty.clean();
  toolbar.renderProblems(data.problems || []);
  if ((data.problems || []).length) status(`草稿有 ${data.problems.length} 个问题需要修改后才能发布（已在图中标出）`, 'warning');
  document.getElementById('canvas').dataset.loaded = 'true';
}

modeler.on('commandStack.changed', () => dirty.changed());

// Compare the diagram on screen with a published version: changed elements orange, added green.
async function compareWithPublished() {
  const select = document.getElementById('compare-version');
  const version = select && select.value ? Number(select.value) : null;
  const { response, data } = await toolbar.postJSON(config.urls.compare, { xml: await editor.getXml(), version });
  const card = document.getElementById('changes-card');
  const body = document.getElementById('changes');
  if (!response.ok) { status(escapeHtml(data?.error?.message || '比较失败'), 'danger'); return; }
  editor.clearMarks();
  card.hidden = false;
  if (data.version === null) { body.innerHTML = '<tr><td colspan="4">该流程尚未发布，没有可比较的版本</td></tr>'; return; }
  document.getElementById('changes-title').textContent = `与第 ${data.version} 版相比：${data.changes.length} 处变化`;
  body.innerHTML = '';
  for (const change of data.changes) {
    const row = document.createElement('tr');
    row.dataset.element = change.element_id;
    row.dataset.change = change.change;
    row.className = { added: 'table-success', removed: 'table-danger', changed: 'table-warning' }[change.change];
    row.innerHTML = `<td>${escapeHtml(change.change_label)}</td><td>${escapeHtml(change.name || '—')} <code class="small">${escapeHtml(change.element_id)}</code></td>`
      + `<td>${escapeHtml(change.kind)}</td><td class="small">${change.details.map((d) => `<div>${escapeHtml(d)}</div>`).join('')}</td>`;
    row.addEventListener('click', () => editor.select(change.element_id));
    body.appendChild(row);
    const marker = { added: 'designer-added', changed: 'designer-changed' }[change.change];
    if (marker && registry.get(change.element_id)) {
      canvas.addMarker(change.element_id, marker);
      marked.push([change.element_id, marker]);
    }
  }
  if (!data.changes.length) body.innerHTML = '<tr><td colspan="4" class="text-body-secondary">与该版本没有区别</td></tr>';
}

document.getElementById('btn-compare').addEventListener('click', compareWithPublished);
document.addEventListener('designer:deployed', (event) => {
  const select = document.getElementById('compare-version');
  if (select && event.detail.created) {
    const option = document.createElement('option');
    option.value = event.detail.version;
    option.textContent = `第 ${event.detail.version} 版`;
    select.prepend(option);
    select.value = String(event.detail.version);
  }
});

load(config.urls.document).catch((error) => {
  status('流程图加载失败：' + escapeHtml(error.message), 'danger');
  console.error(error);
});
