// ECharts on server-rendered pages: every <div data-chart="ID"> is drawn from the JSON in
// <script type="application/json" id="ID-option">. The option may carry "links": a URL per data
// index (or per series name → list), so clicking a bar, point or funnel layer opens the list behind it.
(() => {
  if (!window.echarts) return;
  const drawn = [];
  for (const el of document.querySelectorAll('[data-chart]')) {
    const source = document.getElementById(el.dataset.chart + '-option');
    if (!source) continue;
    const option = JSON.parse(source.textContent);
    const links = option.links;
    delete option.links;
    const chart = echarts.init(el, null, {renderer: 'canvas'});
    chart.setOption(Object.assign({animation: false, textStyle: {fontFamily: 'system-ui, "WenQuanYi Micro Hei", sans-serif'}},
                                  option));
    if (links) {
      el.style.cursor = 'pointer';
      chart.on('click', (params) => {
        const byName = Array.isArray(links) ? links : links[params.seriesName];
        const url = byName && byName[params.dataIndex];
        if (url) window.location.href = url;
      });
    }
    el.dataset.chartReady = '1';
    drawn.push(chart);
  }
  window.addEventListener('resize', () => drawn.forEach((chart) => chart.resize()));
})();
