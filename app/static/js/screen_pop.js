// CTI screen-pop (来电弹屏): a seat with an extension polls for calls the telephony system announced and sees
// the caller in a panel at the bottom right: the matched customer (link to 客户 360) or 新客户 (link to the new
// customer form with the number), blacklisted numbers in red with the reason. Polling every 500 ms puts a
// pop on screen at most one interval plus one request after the API call (docs/callcentre.md).
(function () {
  const root = document.getElementById('screen-pop');
  if (!root) return;
  const INTERVAL = Number(root.dataset.interval || 500);
  const shown = new Set();
  let stopped = false;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, cls, text) {
    const a = el('a', cls, text);
    a.href = href;
    return a;
  }

  function markSeen(pop) {
    // keepalive: the request survives the page being left for the 客户 360 page.
    fetch(pop.seen_url, {method: 'POST', keepalive: true,
      headers: {'X-CSRFToken': window.licai.csrfToken, Accept: 'application/json'}});
  }

  function close(card, pop) {
    card.remove();
    markSeen(pop);
  }

  function render(pop) {
    const card = el('div', 'card shadow mb-2 screen-pop-card' + (pop.blacklisted ? ' border-danger border-2' : ' border-primary'));
    card.dataset.pop = pop.id;
    card.setAttribute('role', 'alert');
    const head = el('div', 'card-header d-flex justify-content-between align-items-center'
      + (pop.blacklisted ? ' text-bg-danger' : ' text-bg-primary'));
    head.append(el('span', '', `来电 ${pop.caller} · ${pop.direction} · ${pop.at}`));
    const x = el('button', 'btn-close btn-close-white');
    x.type = 'button';
    x.setAttribute('aria-label', '关闭来电弹屏');
    x.addEventListener('click', () => close(card, pop));
    head.append(x);
    card.append(head);
    const body = el('div', 'card-body');
    if (pop.blacklisted) {
      body.append(el('div', 'text-danger fw-bold mb-2 screen-pop-blacklist',
        `黑名单号码${pop.blacklist_reason ? '：' + pop.blacklist_reason : ''}`));
    }
    if (pop.customer) {
      const line = el('div', 'fs-5 mb-1');
      line.append(link(pop.customer.url, 'screen-pop-customer fw-semibold', pop.customer.name));
      line.append(el('span', 'text-body-secondary small ms-2', pop.customer.number));
      body.append(line);
      if (pop.match_count > 1) body.append(el('div', 'small text-body-secondary', `共 ${pop.match_count} 位客户使用此号码`));
      body.append(link(pop.customer.url, 'btn btn-sm btn-primary mt-2', '打开客户 360'));
    } else {
      body.append(el('div', 'fs-5 mb-1 screen-pop-new', '新客户'));
      if (pop.outside_scope) body.append(el('div', 'small text-body-secondary', '该号码已登记在其他坐席的客户中，如需跟进请联系主管'));
      body.append(link(pop.new_customer_url, 'btn btn-sm btn-outline-primary mt-2', '新建客户（已填号码）'));
    }
    body.querySelectorAll('a').forEach((a) => a.addEventListener('click', () => markSeen(pop)));
    card.append(body);
    root.prepend(card);
  }

  async function poll() {
    if (stopped || document.hidden) return;
    try {
      const response = await fetch(root.dataset.pollUrl, {headers: {Accept: 'application/json'}, cache: 'no-store'});
      if (response.status === 401 || response.status === 403) { stopped = true; return; }
      if (!response.ok) return;
      const data = await response.json();
      data.pops.slice().reverse().forEach((pop) => {
        if (!shown.has(pop.id)) { shown.add(pop.id); render(pop); }
      });
    } catch (error) {
      // A dropped request is retried on the next tick.
    }
  }

  // One request at a time: the next starts INTERVAL after the previous finished.
  (async function loop() {
    await poll();
    if (!stopped) setTimeout(loop, INTERVAL);
  })();
})();
