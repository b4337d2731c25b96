// 挖掘条件 editor: AND/OR groups of field conditions kept in the hidden "spec" field as JSON, with a live
// count (debounced POST with the CSRF header) and a preview of the first matching customers.
(function () {
  const root = document.getElementById('condition-editor');
  if (!root) return;
  const hidden = document.getElementById('spec');
  const fields = JSON.parse(document.getElementById('condition-catalogue').textContent);
  const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
  let spec;
  try {
    spec = JSON.parse(hidden.value || '{}');
  } catch (e) {
    spec = null;
  }
  if (!spec || typeof spec !== 'object' || !Array.isArray(spec.items)) spec = {op: 'and', items: []};

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
    });
    children.flat().forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return node;
  }

  function defaultValue(field, cmp) {
    if (cmp === 'empty' || cmp === 'not_empty') return null;
    if (field.kind === 'bool') return true;
    if (field.kind === 'range') return {from: null, to: null};
    if (field.kind === 'date') return cmp === 'between' ? {from: null, to: null} : {days_ago: 3};
    return [];
  }

  function newItem() {
    const field = fields[0];
    return {field: field.key, cmp: field.cmps[0][0], value: defaultValue(field, field.cmps[0][0])};
  }

  function changed() {
    hidden.value = JSON.stringify(spec);
    scheduleCount();
  }

  function fieldSelect(item) {
    const select = el('select', {class: 'form-select form-select-sm', 'aria-label': '条件字段', onchange: () => {
      const field = byKey[select.value];
      item.field = field.key;
      item.cmp = field.cmps[0][0];
      item.value = defaultValue(field, item.cmp);
      render();
    }});
    const groups = {};
    fields.forEach((f) => {
      groups[f.group] = groups[f.group] || select.appendChild(el('optgroup', {label: f.group}));
      groups[f.group].append(el('option', {value: f.key, selected: f.key === item.field}, f.label));
    });
    if (!byKey[item.field]) select.prepend(el('option', {value: '', selected: true}, `（未知字段 ${item.field}）`));
    return select;
  }

  function boundEditor(get, set, label) {
    const bound = get();
    const relative = bound === null || bound === undefined || typeof bound === 'object';
    const mode = el('select', {class: 'form-select form-select-sm', 'aria-label': `${label}方式`, onchange: () => {
      set(mode.value === 'days' ? {days_ago: 3} : '');
      render();
    }}, el('option', {value: 'days', selected: relative}, 'N 天前'), el('option', {value: 'date', selected: !relative}, '日期'));
    const input = relative
      ? el('input', {type: 'number', min: 0, class: 'form-control form-control-sm', 'aria-label': `${label}天数`,
        value: bound && bound.days_ago !== undefined ? bound.days_ago : '', oninput: () => {
          set(input.value === '' ? null : {days_ago: Number(input.value)});
          changed();
        }})
      : el('input', {type: 'date', class: 'form-control form-control-sm', 'aria-label': `${label}日期`, value: bound || '',
        onchange: () => { set(input.value || null); changed(); }});
    return el('div', {class: 'input-group input-group-sm', style: 'max-width: 18rem'}, mode, input,
      relative ? el('span', {class: 'input-group-text'}, '天前') : '');
  }

  function valueEditor(item) {
    const field = byKey[item.field];
    if (!field || item.cmp === 'empty' || item.cmp === 'not_empty') return el('span');
    if (field.kind === 'bool') {
      const select = el('select', {class: 'form-select form-select-sm', 'aria-label': '取值', onchange: () => {
        item.value = select.value === 'true'; changed();
      }}, el('option', {value: 'true', selected: item.value === true}, '是'),
      el('option', {value: 'false', selected: item.value === false}, '否'));
      return select;
    }
    if (field.kind === 'range') {
      const value = item.value && typeof item.value === 'object' ? item.value : (item.value = {from: null, to: null});
      const input = (end, label) => {
        const box = el('input', {type: 'number', min: 0, step: field.integer ? 1 : 'any', placeholder: label,
          class: 'form-control form-control-sm', 'aria-label': `${field.label}${label}`, value: value[end] ?? '',
          oninput: () => { value[end] = box.value === '' ? null : Number(box.value); changed(); }});
        return box;
      };
      return el('div', {class: 'input-group input-group-sm', style: 'max-width: 20rem'}, input('from', '从'),
        el('span', {class: 'input-group-text'}, '至'), input('to', '到'),
        field.unit ? el('span', {class: 'input-group-text'}, field.unit) : '');
    }
    if (field.kind === 'date') {
      if (item.cmp === 'between') {
        const value = item.value && typeof item.value === 'object' && 'from' in item.value
          ? item.value : (item.value = {from: null, to: null});
        return el('div', {class: 'd-flex gap-1 align-items-center flex-wrap'},
          boundEditor(() => value.from, (v) => { value.from = v; }, '起始'), '至',
          boundEditor(() => value.to, (v) => { value.to = v; }, '结束'));
      }
      return boundEditor(() => item.value, (v) => { item.value = v; }, '时间');
    }
    const values = Array.isArray(item.value) ? item.value : (item.value = []);
    if (field.options.length) {
      const select = el('select', {class: 'form-select form-select-sm', multiple: true, size: 4,
        'aria-label': `${field.label}取值`, onchange: () => {
          item.value = Array.from(select.selectedOptions).map((o) => (field.kind === 'ids' ? Number(o.value) : o.value));
          changed();
        }});
      field.options.forEach(([code, label]) => select.append(el('option', {value: code,
        selected: values.map(String).includes(String(code))}, label)));
      return select;
    }
    const input = el('input', {class: 'form-control form-control-sm', placeholder: `${field.hint || field.label}，多个用逗号分隔`,
      'aria-label': `${field.label}取值`, value: values.join(', '), oninput: () => {
        item.value = input.value.split(/[,，\s]+/).filter(Boolean);
        changed();
      }});
    return input;
  }

  function itemRow(item, parent) {
    const field = byKey[item.field];
    const cmp = el('select', {class: 'form-select form-select-sm', 'aria-label': '比较方式', onchange: () => {
      item.cmp = cmp.value;
      item.value = defaultValue(field, item.cmp);
      render();
    }});
    (field ? field.cmps : [[item.cmp, item.cmp]]).forEach(([code, label]) =>
      cmp.append(el('option', {value: code, selected: code === item.cmp}, label)));
    return el('div', {class: 'd-flex gap-2 align-items-start mb-2 condition-item'},
      el('div', {style: 'min-width: 12rem'}, fieldSelect(item)), el('div', {style: 'min-width: 6rem'}, cmp),
      el('div', {class: 'flex-grow-1'}, valueEditor(item)),
      el('button', {type: 'button', class: 'btn btn-sm btn-outline-danger', title: '删除条件', 'aria-label': '删除条件',
        onclick: () => { parent.items.splice(parent.items.indexOf(item), 1); render(); }}, '×'));
  }

  function groupBox(group, parent) {
    const op = el('select', {class: 'form-select form-select-sm d-inline-block w-auto', 'aria-label': '条件关系',
      onchange: () => { group.op = op.value; changed(); }},
    el('option', {value: 'and', selected: group.op !== 'or'}, '且（全部满足）'),
    el('option', {value: 'or', selected: group.op === 'or'}, '或（满足其一）'));
    const body = el('div', {class: 'mt-2'});
    group.items.forEach((child) => body.append(Array.isArray(child.items) ? groupBox(child, group) : itemRow(child, group)));
    if (!group.items.length) body.append(el('div', {class: 'text-body-secondary small mb-2'}, '请添加条件'));
    const tools = el('div', {class: 'd-flex gap-2'},
      el('button', {type: 'button', class: 'btn btn-sm btn-outline-primary', onclick: () => {
        group.items.push(newItem()); render();
      }}, '+ 添加条件'),
      el('button', {type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => {
        group.items.push({op: group.op === 'and' ? 'or' : 'and', items: [newItem()]}); render();
      }}, '+ 添加条件组'),
      parent ? el('button', {type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: () => {
        parent.items.splice(parent.items.indexOf(group), 1); render();
      }}, '删除该组') : '');
    return el('div', {class: parent ? 'border rounded p-2 mb-2 bg-body-tertiary condition-group' : 'condition-group'},
      el('div', {}, '满足以下条件：', op), body, tools);
  }

  function render() {
    root.replaceChildren(groupBox(spec, null));
    changed();
  }

  let timer = null;
  let sequence = 0;
  const countBox = document.getElementById('condition-count');
  const summaryBox = document.getElementById('condition-summary');
  const errorBox = document.getElementById('condition-error');
  const previewBody = document.querySelector('#condition-preview tbody');

  function scheduleCount() {
    clearTimeout(timer);
    timer = setTimeout(runCount, 400);
  }

  async function runCount() {
    const mine = ++sequence;
    countBox.textContent = '符合条件的客户：计算中…';
    let response;
    let body;
    try {
      response = await window.licai.postJSON(root.dataset.countUrl, {spec});
      body = await response.json();
    } catch (e) {
      body = {error: {message: '计算失败，请稍后重试'}};
    }
    if (mine !== sequence) return;
    if (!response || !response.ok) {
      countBox.textContent = '符合条件的客户：—';
      summaryBox.textContent = '';
      errorBox.textContent = body?.error?.message || '计算失败';
      previewBody.replaceChildren();
      return;
    }
    errorBox.textContent = '';
    countBox.textContent = body.text;
    summaryBox.textContent = body.summary;
    previewBody.replaceChildren(...body.preview.map((row) => el('tr', {},
      el('td', {}, row.number), el('td', {}, row.name), el('td', {}, row.phone), el('td', {}, row.type_label),
      el('td', {}, row.pool_label), el('td', {}, row.seat), el('td', {}, row.org))));
  }

  root.replaceChildren(groupBox(spec, null));
  if (spec.items.length) scheduleCount();
  window.licaiConditionEditor = {render, spec: () => spec};
})();
