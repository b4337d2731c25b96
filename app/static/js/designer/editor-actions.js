// The toolbar both editors share: save a draft, validate, deploy (with comment and confirmation), the
// problems list and the status line. Every POST goes through licai.postJSON, which sends the CSRF token.

export function readConfig() {
  return JSON.parse(document.getElementById('designer-config').textContent);
}

function escapeHtml(text) {
  const div = document.createElement('div');
  div.textContent = text == null ? '' : String(text);
  return div.innerHTML;
}

export function status(message, kind = 'info') {
  const box = document.getElementById('designer-status');
  box.className = `alert alert-${kind} py-2 mb-3`;
  box.innerHTML = message;
  box.hidden = false;
}

async function postJSON(url, body) {
  const response = await window.licai.postJSON(url, body);
  let data = {};
  try { data = await response.json(); } catch (_error) { data = {}; }
  return { response, data };
}

function problemsOf(data) {
  const details = data?.error?.details;
  return Array.isArray(details) ? details : [];
}

// editor: { getXml(): Promise<string>, showProblems(problems), clearMarks(), select(id), setClean(), kindLabel }
export function setupToolbar(config, editor) {
  const problemsCard = document.getElementById('problems-card');
  const problemsList = document.getElementById('problems');

  function renderProblems(problems) {
    editor.clearMarks();
    problemsList.innerHTML = '';
    problemsCard.hidden = problems.length === 0;
    for (const problem of problems) {
      const item = document.createElement('li');
      item.className = 'list-group-item list-group-item-danger';
      item.dataset.element = problem.element_id || '';
      const where = problem.element_name ? `${problem.element_name}（${problem.element_id}）` : (problem.element_id || '整个流程图');
      item.innerHTML = `<strong>${escapeHtml(where)}</strong>：${escapeHtml(problem.message)}`;
      item.addEventListener('click', () => problem.element_id && editor.select(problem.element_id));
      problemsList.appendChild(item);
    }
    editor.showProblems(problems);
  }

  async function validate() {
    const { response, data } = await postJSON(config.urls.validate, { xml: await editor.getXml() });
    if (!response.ok) {
      renderProblems(problemsOf(data));
      status(escapeHtml(data?.error?.message || '校验失败'), 'danger');
      return false;
    }
    renderProblems(data.problems);
    if (data.ok) status('<i class="bi bi-check-circle"></i> 校验通过，可以发布', 'success');
    else status(`校验未通过：${data.problems.length} 个问题，已在图中标出`, 'danger');
    return data.ok;
  }

  async function saveDraft() {
    const body = { xml: await editor.getXml() };
    if (config.version) body.base_version = config.version;
    const { response, data } = await postJSON(config.urls.draft, body);
    if (!response.ok) { status(escapeHtml(data?.error?.message || '保存失败'), 'danger'); return false; }
    editor.setClean();
    document.getElementById('document-label').textContent = `草稿（已保存 ${new Date().toLocaleTimeString('zh-CN')}）`;
    status('草稿已保存', 'success');
    return true;
  }

  const modalElement = document.getElementById('deploy-modal');
  const modal = modalElement ? new window.bootstrap.Modal(modalElement) : null;

  async function openDeploy() {
    if (!(await validate())) return;
    document.getElementById('deploy-comment').value = '';
    document.getElementById('deploy-confirm').checked = false;
    document.getElementById('deploy-error').hidden = true;
    modal.show();
  }

  async function deploy() {
    const comment = document.getElementById('deploy-comment').value.trim();
    const confirmed = document.getElementById('deploy-confirm').checked;
    const error = document.getElementById('deploy-error');
    error.hidden = true;
    if (!comment || !confirmed) {
      error.textContent = !comment ? '请填写发布说明' : '请勾选确认';
      error.hidden = false;
      return;
    }
    const { response, data } = await postJSON(config.urls.deploy, { xml: await editor.getXml(), comment, confirm: true });
    if (!response.ok) {
      modal.hide();
      renderProblems(problemsOf(data));
      status(escapeHtml(data?.error?.message || '发布失败'), 'danger');
      return;
    }
    modal.hide();
    editor.setClean();
    let message = `<i class="bi bi-rocket-takeoff"></i> ${escapeHtml(data.message)}`;
    if (data.older_live) {
      message += `；旧版本上还有 ${data.older_live} 个运行中的实例：<a href="${data.migration_url}" id="migration-link">检查并迁移</a>`;
    }
    status(message, 'success');
    document.getElementById('document-label').textContent = `第 ${data.version} 版（已发布）`;
    config.version = data.version;
    if (data.created) {
      config.latest_version = data.version;
      document.getElementById('deploy-next-version').textContent = `第 ${data.version + 1} 版`;
    }
    document.dispatchEvent(new CustomEvent('designer:deployed', { detail: data }));
  }

  document.getElementById('btn-save').addEventListener('click', saveDraft);
  document.getElementById('btn-validate').addEventListener('click', validate);
  document.getElementById('btn-deploy').addEventListener('click', openDeploy);
  document.getElementById('deploy-submit').addEventListener('click', deploy);
  return { renderProblems, validate, saveDraft, postJSON };
}

export function trackDirty(onChange) {
  let dirty = false;
  window.addEventListener('beforeunload', (event) => {
    if (dirty) { event.preventDefault(); event.returnValue = ''; }
  });
  return {
    changed() { dirty = true; onChange?.(true); },
    clean() { dirty = false; onChange?.(false); },
    get dirty() { return dirty; },
  };
}

export { escapeHtml };
