// 关怀话术: choosing another care template renders the message again; 复制内容 copies the (edited) message.
document.querySelectorAll('[data-submit-on-change]').forEach((select) => {
  select.addEventListener('change', () => select.form.submit());
});
document.querySelectorAll('[data-copy-target]').forEach((button) => {
  button.addEventListener('click', () => {
    const text = document.getElementById(button.dataset.copyTarget);
    text.select();
    const done = () => { button.textContent = '已复制'; };
    if (navigator.clipboard) navigator.clipboard.writeText(text.value).then(done, () => document.execCommand('copy'));
    else if (document.execCommand('copy')) done();
  });
});
