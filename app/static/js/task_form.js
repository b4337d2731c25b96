// Task and start forms (workflow/_task_field.html): the 客户 / 理财项目 pickers search the server while the user
// types (a bounded page of matches in the user's data scope, never a list of every customer) and put the chosen
// id into the hidden field; the server checks the id again when the form is submitted.
(function () {
  document.querySelectorAll('[data-reference-picker]').forEach((picker) => {
    const hidden = picker.querySelector('input[type="hidden"]');
    const search = picker.querySelector('[data-reference-search]');
    const results = picker.querySelector('[data-reference-results]');
    const chosen = picker.querySelector('[data-reference-chosen]');
    let timer = null;
    let chosenLabel = search.value;
    const close = () => { results.hidden = true; results.replaceChildren(); };
    const choose = (item) => {
      hidden.value = String(item.id);
      search.value = item.label;
      chosenLabel = item.label;
      chosen.textContent = '已选：' + item.label;
      close();
    };
    const lookup = async () => {
      const text = search.value.trim();
      if (!text) { close(); return; }
      const response = await fetch(picker.dataset.searchUrl + '?q=' + encodeURIComponent(text),
                                   {headers: {Accept: 'application/json'}});
      if (!response.ok) return;
      const found = await response.json();
      if (!found.length) {
        const none = document.createElement('div');
        none.className = 'list-group-item small text-body-secondary';
        none.textContent = '没有找到，请换个关键词（可输入姓名、编号或手机号）';
        results.replaceChildren(none);
      } else {
        results.replaceChildren(...found.map((item) => {
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'list-group-item list-group-item-action small';
          button.textContent = item.label;
          button.addEventListener('click', () => choose(item));
          return button;
        }));
      }
      results.hidden = false;
    };
    search.addEventListener('input', () => {
      clearTimeout(timer);
      if (!search.value.trim()) {
        hidden.value = '';
        chosenLabel = '';
        chosen.textContent = '未选择';
      }
      timer = setTimeout(lookup, 250);
    });
    search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') { event.preventDefault(); clearTimeout(timer); lookup(); }
      if (event.key === 'Escape') close();
    });
    search.addEventListener('blur', () => setTimeout(() => {
      close();
      if (hidden.value) search.value = chosenLabel;
    }, 200));
  });
})();
