// 驾驶舱 period picker: show the inputs of the chosen grain (day, week, month … or a range).
document.querySelector('#period-form select[name="grain"]')?.addEventListener('change', (event) => {
  const grain = event.target.value;
  const form = event.target.form;
  form.querySelectorAll('.period-value').forEach((el) => { el.hidden = el.disabled = el.dataset.grain !== grain; });
  const range = form.querySelector('.period-range');
  range.classList.toggle('d-flex', grain === 'range');
  range.classList.toggle('d-none', grain !== 'range');
  range.querySelectorAll('input').forEach((el) => { el.disabled = grain !== 'range'; });
});
