// System notices: a title clicked in the status-bar ticker opens in a modal (and counts as read);
// an unacknowledged urgent notice or major announcement pops up at once and stays until 我已知悉.
(function () {
  const view = document.getElementById('notice-view');
  document.querySelectorAll('.ticker-item').forEach((link) => link.addEventListener('click', async (event) => {
    if (!view) return;
    event.preventDefault();
    const response = await fetch(link.dataset.popupUrl, {headers: {Accept: 'text/html'}});
    if (!response.ok) { window.location = link.href; return; }
    document.getElementById('notice-view-content').innerHTML = await response.text();
    bootstrap.Modal.getOrCreateInstance(view).show();
  }));
  const popup = document.getElementById('notice-popup');
  if (popup) bootstrap.Modal.getOrCreateInstance(popup).show();
})();
