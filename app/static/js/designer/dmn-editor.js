// 规则表: the dmn-js Modeler opened on the decision table, with the shared toolbar (draft, validate,
// publish). Cells with problems are outlined in red (dmn-js marks cells with data-element-id).
import DmnModeler from 'dmn-js/lib/Modeler';

import { escapeHtml, readConfig, setupToolbar, status, trackDirty } from './editor-actions';
import typeRefChoice from './dmn-type-ref';
import translate from './i18n/translate';

const config = readConfig();
const container = document.getElementById('dmn-container');
// Every view needs the module: dmn-js replaces (not merges) `additionalModules` given in `common`.
const chinese = { translate: ['value', translate] };
const modeler = new DmnModeler({
  container,
  drd: { additionalModules: [chinese] },
  decisionTable: { additionalModules: [chinese, typeRefChoice] },
  literalExpression: { additionalModules: [chinese] },
});
window.licaiDmnModeler = modeler;

const dirty = trackDirty((isDirty) => { document.getElementById('dirty-flag').hidden = !isDirty; });

function openTable() {
  const view = modeler.getViews().find((v) => v.type === 'decisionTable');
  if (view) return modeler.open(view);
  return Promise.resolve();
}

function cells(id) {
  return container.querySelectorAll(`[data-element-id="${CSS.escape(id)}"]`);
}

const editor = {
  async getXml() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  },
  clearMarks() {
    container.querySelectorAll('.designer-error-cell').forEach((node) => {
      node.classList.remove('designer-error-cell');
      node.style.outline = '';
      node.removeAttribute('title');
    });
  },
  showProblems(problems) {
    for (const problem of problems) {
      if (!problem.element_id) continue;
      cells(problem.element_id).forEach((node) => {
        node.classList.add('designer-error-cell');
        node.style.outline = '2px solid #dc3545';
        node.title = problem.message;
      });
    }
  },
  select(id) {
    const [node] = cells(id);
    if (node) node.scrollIntoView({ block: 'center' });
  },
  setClean() { dirty.clean(); },
};

const toolbar = setupToolbar(config, editor);

modeler.on('views.changed', () => {
  const viewer = modeler.getActiveViewer();
  if (viewer) viewer.on('elements.changed', () => dirty.changed());
});

async function load() {
  const response = await fetch(config.urls.document, { headers: { Accept: 'application/json' } });
  const data = await response.json();
  await modeler.importXML(data.xml);
  await openTable();
  dirty.clean();
  toolbar.renderProblems(data.problems || []);
  container.dataset.loaded = 'true';
}

load().catch((error) => {
  status('规则表加载失败：' + escapeHtml(error.message), 'danger');
  console.error(error);
});
