// 邀约: suggest the user's own customers while a customer number (客户编号) or a name is typed; choosing one
// fills the number, and the name when it is still empty.
(function () {
  const input = document.querySelector('input[data-suggest-url]');
  if (!input) return;
  const list = document.getElementById(input.getAttribute('list'));
  const name = document.getElementById('name');
  let found = [];
  let timer = null;
  const suggest = async () => {
    const text = input.value.trim();
    if (!text) { list.replaceChildren(); return; }
    const response = await fetch(input.dataset.suggestUrl + '?q=' + encodeURIComponent(text),
                                 {headers: {Accept: 'application/json'}});
    if (!response.ok) return;
    found = await response.json();
    list.replaceChildren(...found.map((c) => {
      const option = document.createElement('option');
      option.value = c.number;
      option.label = c.name;
      option.textContent = `${c.number} ${c.name}`;
      return option;
    }));
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
    const chosen = found.find((c) => c.number === input.value.trim().toUpperCase());
    if (chosen && name && !name.value) name.value = chosen.name;
  });
})();
