// 分配规则 screens: 半自动分配's rule picker, the rule editor's target table, the preview's charts.
(() => {
  const chosen = document.getElementById('chosen-rules');
  if (!chosen) return;
  const empty = document.getElementById('nothing-chosen');
  const refresh = () => { empty.hidden = chosen.children.length > 0; };
  document.getElementById('usable-rules').addEventListener('click', (event) => {
    const button = event.target.closest('[data-choose]');
    if (!button) return;
    const item = button.closest('li');
    const id = item.dataset.ruleId;
    if (chosen.querySelector(`input[value="${id}"]`)) return;
    const li = document.createElement('li');
    li.className = 'list-group-item d-flex justify-content-between align-items-center';
    li.dataset.ruleName = item.dataset.ruleName;
    const label = document.createElement('span'); label.className = 'ms-2 me-auto'; label.textContent = item.dataset.ruleName;
    const input = document.createElement('input'); input.type = 'hidden'; input.name = 'rule_id'; input.value = id;
    const remove = document.createElement('button'); remove.type = 'button'; remove.className = 'btn btn-sm btn-outline-danger';
    remove.textContent = '移除'; remove.addEventListener('click', () => { li.remove(); refresh(); });
    li.append(label, input, remove);
    chosen.appendChild(li);
    refresh();
  });
  refresh();
})();

(() => {
  const table = document.querySelector('#target-table tbody');
  if (!table) return;
  const options = Array.from(document.querySelectorAll('#seat-options option'));
  function addRow(kind, value, cells) {
    if (table.querySelector(`tr[data-target="${CSS.escape(value)}"]`)) return;
    const tr = document.createElement('tr');
    tr.dataset.target = value;
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = kind === 'seat' ? 'seat_no' : 'target_org_id'; input.value = value;
    const first = document.createElement('td'); first.textContent = kind === 'seat' ? '坐席' : '组织'; first.appendChild(input);
    tr.appendChild(first);
    for (const text of cells) { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }
    const last = document.createElement('td');
    last.innerHTML = '<button type="button" class="btn btn-sm btn-outline-danger" data-remove-target>移除</button>';
    tr.appendChild(last);
    table.appendChild(tr);
  }
  document.getElementById('add-seat').addEventListener('click', () => {
    const box = document.getElementById('seat-input');
    const text = box.value.trim();
    if (!text) return;
    const option = options.find(o => o.value === text) || options.find(o => (o.label || '').startsWith(text + ' '));
    const workNo = option ? option.value : text;
    const parts = option ? option.label.split(' · ') : ['（不在可选坐席中）', '', ''];
    addRow('seat', workNo, [workNo, parts[0], parts[1], (parts[2] || '').replace('权重 ', '')]);
    box.value = '';
  });
  document.getElementById('add-org').addEventListener('click', () => {
    const select = document.getElementById('org-input');
    if (!select.value) return;
    addRow('org', select.value, [select.options[select.selectedIndex].text.trim(), '', '', '']);
    select.value = '';
  });
  table.addEventListener('click', (event) => {
    if (event.target.matches('[data-remove-target]')) event.target.closest('tr').remove();
  });
})();

(() => {
  if (!document.getElementById('preview-charts')) return;
  const charts = JSON.parse(document.getElementById('preview-charts')?.textContent || '{}');
  for (const [id, data] of Object.entries(charts)) {
    const el = document.getElementById('chart-' + id);
    if (!el || !window.echarts) continue;
    const series = [{name: '计划分配', type: 'bar', data: data.planned, label: {show: true, position: 'right'}}];
    if (data.moved) series.push({name: '已移动', type: 'bar', data: data.moved, label: {show: true, position: 'right'}});
    echarts.init(el).setOption({
      animation: false, tooltip: {trigger: 'axis'}, legend: {top: 0},
      grid: {left: 8, right: 40, top: 28, bottom: 8, containLabel: true},
      xAxis: {type: 'value', minInterval: 1}, yAxis: {type: 'category', data: data.labels, inverse: true}, series,
    });
  }
  const form = document.getElementById('execute-form');
  if (form) form.addEventListener('submit', () => {
    document.getElementById('execute-progress').hidden = false;
    form.querySelector('button').disabled = true;
  });
})();
