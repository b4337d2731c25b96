// 行事历: FullCalendar (served from node_modules) over the JSON feed of one person's calendar. On one's
// own calendar a click on a day opens the new-entry form, a click on an entry shows it with 修改 / 删除.
// "Today" is the business day in Asia/Shanghai from the server, whatever the browser's time zone.
(function () {
  const element = document.getElementById('work-calendar');
  if (!element) return;
  const own = element.dataset.own === 'true';
  const entryModal = new bootstrap.Modal('#entry-modal');
  const eventModal = new bootstrap.Modal('#event-modal');
  const form = document.getElementById('entry-form');

  function openForm(values) {
    form.action = values.action || element.dataset.createUrl;
    document.getElementById('entry-modal-title').textContent = values.action ? '修改行事历' : '新建行事历';
    form.elements.kind.value = values.kind || 'plan';
    form.elements.period.value = values.period || 'day';
    form.elements.day.value = values.day || element.dataset.today;
    form.elements.title.value = values.title || '';
    form.elements.content.value = values.content || '';
    entryModal.show();
  }

  const calendar = new FullCalendar.Calendar(element, {
    locale: 'zh-cn',
    initialView: 'dayGridMonth',
    initialDate: element.dataset.initial || element.dataset.today,
    now: element.dataset.today,
    height: 'auto',
    firstDay: 1,
    headerToolbar: {left: 'prev,next today', center: 'title', right: 'dayGridMonth,dayGridWeek,listMonth'},
    events: {url: element.dataset.eventsUrl, failure: () => alert('行事历加载失败')},
    dateClick: own ? (info) => openForm({day: info.dateStr}) : undefined,
    eventClick(info) {
      const props = info.event.extendedProps;
      document.getElementById('event-modal-title').textContent = props.title;
      document.getElementById('event-meta').textContent = `${props.period_label}${props.kind_label} · ${info.event.startStr}`
        + (props.period === 'day' ? '' : ` 起`);
      document.getElementById('event-content').textContent = props.content || '（无内容）';
      document.getElementById('event-actions').hidden = !props.editable;
      document.getElementById('event-delete').action = props.delete_url;
      document.getElementById('event-edit').onclick = () => {
        eventModal.hide();
        openForm({action: props.update_url, kind: props.kind, period: props.period, day: props.day,
                  title: props.title, content: props.content});
      };
      eventModal.show();
    },
    eventDidMount(info) { info.el.title = info.event.extendedProps.content || info.event.title; },
  });
  calendar.render();
  element.dataset.rendered = 'true';
  document.getElementById('add-entry')?.addEventListener('click', () => openForm({}));
  document.getElementById('calendar-owner').addEventListener('change', (event) => { window.location = event.target.value; });
})();
