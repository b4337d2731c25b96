// 任务日历: FullCalendar (served from node_modules) over the JSON feed of one seat's days. Each day is one
// all-day event coloured by its status, listing required vs done per metric. "Today" is the business day in
// Asia/Shanghai from the server, whatever the browser's time zone.
(function () {
  const element = document.getElementById('task-calendar');
  if (!element) return;

  function content(arg) {
    const props = arg.event.extendedProps;
    const box = document.createElement('div');
    box.className = 'task-event';
    const head = document.createElement('strong');
    head.textContent = props.reason || props.status_label;
    box.appendChild(head);
    for (const m of props.metrics) {
      const line = document.createElement('span');
      line.className = 'task-metric';
      line.textContent = m.required === null ? `${m.label} ${m.done}` : `${m.label} ${m.done}/${m.required}`;
      box.appendChild(line);
    }
    return {domNodes: [box]};
  }

  const calendar = new FullCalendar.Calendar(element, {
    locale: 'zh-cn',
    initialView: 'dayGridMonth',
    initialDate: element.dataset.initial || element.dataset.today,
    now: element.dataset.today,
    height: 'auto',
    firstDay: 1,
    headerToolbar: {left: 'prev,next today', center: 'title', right: 'dayGridMonth,dayGridWeek,dayGridDay'},
    events: {url: element.dataset.eventsUrl, failure: () => alert('任务日历加载失败')},
    eventContent: content,
    eventDidMount(info) {
      const props = info.event.extendedProps;
      info.el.dataset.day = props.day;
      info.el.dataset.status = props.status;
      info.el.title = props.metrics.map((m) => `${m.label}：已完成 ${m.done}` + (m.required === null ? '' : ` / 配额 ${m.required}`)).join('\n');
    },
  });
  calendar.render();
  element.dataset.rendered = 'true';
  document.getElementById('calendar-seat')?.addEventListener('change', (event) => { window.location = event.target.value; });
})();
