// 问卷设计: the questions live in `questions` (the JSON the server validates again) and the list is redrawn
// from it after every change. Keys (q1, o1 …) are made here once and kept, so skip rules stay attached.
(() => {
  const data = JSON.parse(document.getElementById('survey-data').textContent);
  const questions = data.questions;
  const list = document.getElementById('survey-questions');
  const errorBox = document.getElementById('survey-error');
  const freshKey = (prefix, taken) => {
    let number = 1;
    while (taken.includes(prefix + number)) number += 1;
    return prefix + number;
  };
  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === 'text') node.textContent = value;
      else if (name === 'checked' || name === 'selected') node[name] = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const newOption = (question) => ({key: freshKey('o', (question.options || []).map((o) => o.key)), text: '', jump: ''});

  const addQuestion = (kind) => {
    const question = {key: freshKey('q', questions.map((q) => q.key)), kind, text: '', required: false};
    if (kind === 'single' || kind === 'multiple') {
      question.options = [];
      question.options.push(newOption(question));
      question.options.push(newOption(question));
    }
    if (kind === 'rating') question.max = 5;
    questions.push(question);
    draw();
    list.querySelector(`[data-key="${question.key}"] .q-text`).focus();
  };

  const jumpSelect = (question, option, index) => {
    const select = el('select', {class: 'form-select form-select-sm q-jump', 'aria-label': '跳转'});
    select.append(el('option', {value: '', text: '下一题'}));
    questions.slice(index + 1).forEach((target, offset) => {
      select.append(el('option', {value: target.key, text: `跳到第 ${index + offset + 2} 题`, selected: option.jump === target.key}));
    });
    select.append(el('option', {value: 'end', text: '结束问卷', selected: option.jump === 'end'}));
    select.addEventListener('change', () => { option.jump = select.value; });
    return select;
  };

  const optionRow = (question, option, index) => {
    const text = el('input', {class: 'form-control form-control-sm o-text', value: option.text, placeholder: '选项内容', maxlength: '200', 'aria-label': '选项内容'});
    text.addEventListener('input', () => { option.text = text.value; });
    const remove = el('button', {type: 'button', class: 'btn btn-sm btn-outline-danger', title: '删除选项', text: '×'});
    remove.addEventListener('click', () => { question.options.splice(question.options.indexOf(option), 1); draw(); });
    const row = el('div', {class: 'input-group input-group-sm mb-1', 'data-option': option.key}, [text]);
    if (question.kind === 'single') row.append(jumpSelect(question, option, index));
    row.append(remove);
    return row;
  };

  const questionCard = (question, index) => {
    const text = el('input', {class: 'form-control q-text', value: question.text, placeholder: '题目内容', maxlength: '500', 'aria-label': '题目内容'});
    text.addEventListener('input', () => { question.text = text.value; });
    const kind = el('select', {class: 'form-select q-kind', 'aria-label': '题型'});
    for (const [value, label] of Object.entries(data.kinds)) kind.append(el('option', {value, text: label, selected: value === question.kind}));
    kind.addEventListener('change', () => {
      question.kind = kind.value;
      if ((question.kind === 'single' || question.kind === 'multiple') && !question.options) {
        question.options = [];
        question.options.push(newOption(question));
        question.options.push(newOption(question));
      }
      if (question.kind !== 'single' && question.options) question.options.forEach((o) => { o.jump = ''; });
      if (question.kind === 'rating' && !question.max) question.max = 5;
      draw();
    });
    const required = el('input', {type: 'checkbox', class: 'form-check-input q-required', id: `req-${question.key}`, checked: !!question.required});
    required.addEventListener('change', () => { question.required = required.checked; });
    const tool = (label, title, action) => {
      const button = el('button', {type: 'button', class: 'btn btn-sm btn-outline-secondary', title, text: label});
      button.addEventListener('click', action);
      return button;
    };
    const move = (step) => () => {
      const target = index + step;
      if (target < 0 || target >= questions.length) return;
      [questions[index], questions[target]] = [questions[target], questions[index]];
      draw();
    };
    const body = el('div', {class: 'card-body'}, [
      el('div', {class: 'row g-2 align-items-center mb-2'}, [
        el('div', {class: 'col-auto fw-semibold', text: `第 ${index + 1} 题`}),
        el('div', {class: 'col'}, [text]),
        el('div', {class: 'col-auto'}, [kind]),
        el('div', {class: 'col-auto form-check ms-2'}, [required, el('label', {class: 'form-check-label', for: `req-${question.key}`, text: '必答'})]),
        el('div', {class: 'col-auto btn-group'}, [tool('↑', '上移', move(-1)), tool('↓', '下移', move(1)),
          tool('删除', '删除本题', () => { questions.splice(index, 1); draw(); })]),
      ]),
    ]);
    if (question.kind === 'single' || question.kind === 'multiple') {
      const options = el('div', {class: 'ms-5 q-options'});
      question.options.forEach((option) => options.append(optionRow(question, option, index)));
      const add = el('button', {type: 'button', class: 'btn btn-sm btn-link q-add-option', text: '+ 添加选项'});
      add.addEventListener('click', () => { question.options.push(newOption(question)); draw(); });
      options.append(add);
      body.append(options);
    }
    if (question.kind === 'rating') {
      const max = el('input', {type: 'number', min: '2', max: '10', class: 'form-control form-control-sm q-max', value: question.max, 'aria-label': '最高分'});
      max.style.width = '5rem';  // CSSOM, not a style attribute: allowed by the CSP
      max.addEventListener('input', () => { question.max = parseInt(max.value, 10) || 0; });
      body.append(el('div', {class: 'ms-5 d-flex align-items-center gap-2'}, [el('span', {class: 'small', text: '评分 1 至'}), max, el('span', {class: 'small', text: '分'})]));
    }
    return el('div', {class: 'card mb-2 survey-design-question', 'data-key': question.key}, [body]);
  };

  const draw = () => {
    // a jump to a question that is now earlier (after a move) or gone falls back to "next question"
    questions.forEach((question, index) => (question.options || []).forEach((option) => {
      const target = questions.findIndex((q) => q.key === option.jump);
      if (option.jump && option.jump !== 'end' && target <= index) option.jump = '';
    }));
    list.replaceChildren(...questions.map(questionCard));
    if (!questions.length) list.append(el('div', {class: 'text-body-secondary mb-3', text: '用下面的按钮添加题目'}));
  };

  const save = async () => {
    const value = (id) => document.getElementById(id).value;
    const body = {id: data.id, title: value('survey-title'), audience: value('survey-audience'), description: value('survey-description'),
      opens_at: value('survey-opens'), closes_at: value('survey-closes'), questions};
    const token = document.querySelector('meta[name="csrf-token"]').content;
    errorBox.classList.add('d-none');
    const response = await fetch(data.save, {method: 'POST', body: JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token}});
    const answer = await response.json().catch(() => ({}));
    if (response.ok) { window.location.href = answer.url; return; }
    errorBox.textContent = (answer.error && answer.error.message) || '保存失败，请稍后再试';
    errorBox.classList.remove('d-none');
    errorBox.scrollIntoView({block: 'center'});
  };

  document.querySelectorAll('[data-add]').forEach((button) => button.addEventListener('click', () => addQuestion(button.dataset.add)));
  document.getElementById('survey-save').addEventListener('click', save);
  draw();
})();
