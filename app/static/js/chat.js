// 即时通讯: keep the conversation scrolled to the newest message, drop a message that arrives twice
// (the poll and the answer to sending may both bring it), send with Enter, show refusals.
(function () {
  const list = document.getElementById('messages');
  const scroller = document.getElementById('chat-scroll');
  window.licaiChat = {
    lastId() {
      const items = list ? list.querySelectorAll('[data-id]') : [];
      return items.length ? items[items.length - 1].dataset.id : 0;
    },
  };
  if (!list) return;
  // The poll asks only for messages after the newest shown (set here: htmx's js: values would need eval).
  document.getElementById('chat-poller')?.addEventListener('htmx:configRequest', (event) => {
    event.detail.parameters.after = window.licaiChat.lastId();
  });
  const toBottom = () => { scroller.scrollTop = scroller.scrollHeight; };
  toBottom();
  document.body.addEventListener('htmx:afterSwap', (event) => {
    if (event.detail.target !== list) return;
    const seen = new Set();
    list.querySelectorAll('[data-id]').forEach((item) => {
      if (seen.has(item.dataset.id)) item.remove(); else seen.add(item.dataset.id);
    });
    toBottom();
  });
  const form = document.getElementById('chat-form');
  if (!form) return;
  const error = document.getElementById('chat-error');
  form.addEventListener('htmx:afterRequest', (event) => {
    if (event.detail.successful) { form.reset(); error.textContent = ''; }
  });
  form.addEventListener('htmx:responseError', (event) => { error.textContent = event.detail.xhr.responseText; });
  form.body.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); htmx.trigger(form, 'submit'); }
  });
})();
