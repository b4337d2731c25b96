// Process analytics (流程性能). Two jobs:
// 1. The period picker ([data-period-picker]): show and enable only the inputs of the chosen grain.
// 2. The heatmap ([data-heatmap="<json script id>"]): draw the BPMN diagram with bpmn-js, fill each task with
//    its colour (median waiting time, green → red) and put its figures in an overlay under it. The payload is
//    {xml, elements: {id: {color, lines, title}}}. The container gets data-chart-ready="1" when drawn.
(function () {
  document.querySelectorAll('[data-period-picker]').forEach(function (form) {
    const grain = form.querySelector('select[name="grain"]');
    function show() {
      form.querySelectorAll('[data-grain]').forEach(function (input) {
        const on = input.dataset.grain === grain.value;
        input.hidden = !on;
        input.disabled = !on;
      });
    }
    grain.addEventListener('change', show);
    show();
  });

  async function draw(container) {
    try {
      const data = JSON.parse(document.getElementById(container.dataset.heatmap).textContent);
      const viewer = new BpmnJS({container});
      await viewer.importXML(data.xml);
      const canvas = viewer.get('canvas');
      canvas.zoom('fit-viewport', 'auto');
      const registry = viewer.get('elementRegistry');
      const overlays = viewer.get('overlays');
      for (const [id, mark] of Object.entries(data.elements || {})) {
        const element = registry.get(id);
        if (!element) continue;  // an element of another version only (all-versions view)
        const shape = registry.getGraphics(id).querySelector('.djs-visual > :first-child');
        if (shape) {
          shape.style.fill = mark.color;
          shape.style.fillOpacity = '0.85';
        }
        const box = document.createElement('div');
        box.className = 'diagram-note heat-note';
        box.dataset.element = id;
        box.title = mark.title || '';
        for (const line of mark.lines) {
          const row = document.createElement('div');
          row.textContent = line;
          box.appendChild(row);
        }
        overlays.add(id, {position: {bottom: -6, left: -20}, html: box});
      }
      container.dataset.chartReady = '1';
    } catch (error) {
      container.innerHTML = '<p class="text-danger p-3">流程图加载失败</p>';
      console.error(error);
    }
  }
  document.querySelectorAll('[data-heatmap]').forEach(draw);
})();
