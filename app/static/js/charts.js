// ECharts on server-rendered pages: every <div data-chart="ID"> is drawn from the JSON in
// <script type="application/json" id="ID-option">. The option may carry "links": a URL per data
// index (or per series name → list), so clicking a bar, point or funnel layer opens the list behind it.
(() => {
  if (!window.echarts) return;
  // 'x' or 'y' when the first series is drawn on a category axis (bars, lines), else null (funnel, pie).
  const categoryAxis = (option) => {
    const first = (axis) => (Array.isArray(axis) ? axis[0] : axis);
    if (first(option.xAxis) && first(option.xAxis).type === 'category') return 'x';
    if (first(option.yAxis) && first(option.yAxis).type === 'category') return 'y';
    return null;
  };
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
      const axis = categoryAxis(option);
      if (Array.isArray(links) && axis) {
        // A whole category column opens its list, so a bar of 0 (no height to hit) is as clickable as the tallest.
        chart.getZr().on('click', (event) => {
          const pixel = [event.offsetX, event.offsetY];
          if (!chart.containPixel('grid', pixel)) return;
          const index = Math.round(chart.convertFromPixel({seriesIndex: 0}, pixel)[axis === 'x' ? 0 : 1]);
          if (links[index]) window.location.href = links[index];
        });
      } else {
        chart.on('click', (params) => {
          const byName = Array.isArray(links) ? links : links[params.seriesName];
          const url = byName && byName[params.dataIndex];
          if (url) window.location.href = url;
        });
      }
    }
    el.dataset.chartReady = '1';
    drawn.push(chart);
  }
  window.addEventListener('resize', () => drawn.forEach((chart) => chart.resize()));
})();
