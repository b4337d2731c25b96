// 立即评级: show that the grading runs (it may take a while on a large book) and keep the button from a second
// click: <form data-busy="正在评级，请稍候…"> with a submit button and a hidden [data-busy-note] element.
document.addEventListener('submit', (event) => {
  const form = event.target;
  const message = form.dataset?.busy;
  if (!message || event.defaultPrevented) return;
  const button = form.querySelector('button[type="submit"]');
  if (button) {
    button.disabled = true;
    button.innerHTML = `<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>${message}`;
  }
  form.querySelectorAll('[data-busy-note]').forEach((note) => { note.hidden = false; });
});
