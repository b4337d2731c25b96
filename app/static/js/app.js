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
