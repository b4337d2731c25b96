// htmx never evaluates code from attributes (hx-on, js: values, event filters): the Content-Security-Policy
// forbids eval. Set here, before htmx reads the page, so a page's own <meta name="htmx-config"> still applies.
if (window.htmx) htmx.config.allowEval = false;

// Send the CSRF token with every htmx and fetch request that changes something.
(function () {
  const token = document.querySelector('meta[name="csrf-token"]')?.content;
  document.addEventListener('htmx:configRequest', (event) => {
    if (token) event.detail.headers['X-CSRFToken'] = token;
  });
  window.licai = {
    csrfToken: token,
    postJSON(url, body) {
      return fetch(url, {
        method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': token, 'Accept': 'application/json'},
        body: JSON.stringify(body || {}),
      });
    },
  };
  // Confirm dangerous actions: <form data-confirm="确定删除？">
  document.addEventListener('submit', (event) => {
    const message = event.target.dataset?.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();

// Tick every row checkbox of a table from its header box: <input data-check-all="table-id">.
document.addEventListener('change', (event) => {
  const tableId = event.target.dataset?.checkAll;
  if (!tableId) return;
  document.querySelectorAll(`#${tableId} input[name="customer_id"]`).forEach((box) => {
    box.checked = event.target.checked;
  });
});

// Behaviours the templates declare with data-* attributes (the Content-Security-Policy allows no inline script).
// Run once the whole page is parsed: a page's {% block scripts %} may hold markers placed after this file.
document.addEventListener('DOMContentLoaded', () => {
  // Show only the boxes matching a select's value: <div data-shows="period"><select …></div> … <div data-period="month">.
  document.querySelectorAll('[data-shows]').forEach((holder) => {
    const key = holder.dataset.shows;
    const select = holder.matches('select') ? holder : holder.querySelector('select');
    if (!select) return;
    const sync = () => document.querySelectorAll(`[data-${key}]`).forEach((box) => {
      box.hidden = box.dataset[key] !== select.value;
    });
    select.addEventListener('change', sync);
    sync();
  });
  // Reopen the dialog a refused form came from: <div data-open-modal="password-modal" hidden>.
  document.querySelectorAll('[data-open-modal]').forEach((marker) => {
    const dialog = document.getElementById(marker.dataset.openModal);
    if (dialog && window.bootstrap) bootstrap.Modal.getOrCreateInstance(dialog).show();
  });
  document.addEventListener('click', (event) => {
    // A button submitting the ticked rows of a table to another form:
    // <button data-submit-checked="#pool-table input[name=customer_id]" data-to-form="release-form">.
    const mover = event.target.closest('[data-submit-checked]');
    if (mover) {
      document.querySelectorAll(`${mover.dataset.submitChecked}:checked`)
        .forEach((box) => box.setAttribute('form', mover.dataset.toForm));
    }
    // Highlight the row a link works on: <a data-mark-row="#work-table">.
    const marker = event.target.closest('[data-mark-row]');
    if (marker) {
      document.querySelectorAll(`${marker.dataset.markRow} tr.table-active`)
        .forEach((row) => row.classList.remove('table-active'));
      marker.closest('tr')?.classList.add('table-active');
    }
  });
});
