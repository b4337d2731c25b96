// 客户信息管理: the merge button takes the same ticked rows as the move form.
document.getElementById('merge-form')?.addEventListener('submit', (event) => {
  const form = event.target;
  form.querySelectorAll('input[name="customer_id"]').forEach((el) => el.remove());
  document.querySelectorAll('#customer-table input[name="customer_id"]:checked').forEach((box) => {
    const hidden = document.createElement('input');
    hidden.type = 'hidden'; hidden.name = 'customer_id'; hidden.value = box.value;
    form.appendChild(hidden);
  });
});
