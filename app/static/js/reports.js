// 查询&报表: the period picker shows the input its grain needs — a date, an ISO week or a month, or the two
// dates of a custom range. Without JavaScript every input stays visible and the server reads the ones it needs.
(() => {
  const grain = document.getElementById('f-grain');
  const value = document.getElementById('f-value');
  if (!grain || !value) return;
  const types = {day: 'date', week: 'week', month: 'month'};
  const sync = (changed) => {
    const range = grain.value === 'range';
    value.closest('.col-auto').hidden = range;
    for (const id of ['f-start', 'f-end']) document.getElementById(id).closest('.col-auto').hidden = !range;
    if (!range && value.type !== types[grain.value]) {
      if (changed) value.value = '';
      value.type = types[grain.value];
    }
  };
  grain.addEventListener('change', () => sync(true));
  sync(false);
})();
