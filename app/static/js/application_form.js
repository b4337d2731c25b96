// OA 申请: swap in the chosen type's own fields without reloading the form. A choice made before this script
// ran (a quick hand, or the browser restoring the form) is caught up on here.
(function () {
  const typeSelect = document.getElementById('type_code');
  const holder = typeSelect?.closest('[data-fields-url]');
  if (!holder) return;
  const loadTypeFields = () => htmx.ajax('GET', holder.dataset.fieldsUrl + '?type_code='
                                           + encodeURIComponent(typeSelect.value),
                                         {target: '#details-fields', swap: 'outerHTML'});
  typeSelect.addEventListener('change', loadTypeFields);
  if (typeSelect.value !== (holder.dataset.renderedType || '')) loadTypeFields();
})();
