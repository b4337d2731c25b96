// Render a process diagram with bpmn-js (served from node_modules) and highlight the instance's progress:
// completed elements green, current ones orange. Containers: <div class="diagram" data-diagram-url="…">.
// A payload may carry ``notes`` ({element id: [line, …]}), written in a box under that element
// (the OA route: who handled the application at each hop).
(function () {
  async function render(container) {
    try {
      const response = await fetch(container.dataset.diagramUrl, {headers: {Accept: 'application/json'}});
      if (!response.ok) throw new Error(response.status);
      const data = await response.json();
      const viewer = new BpmnJS({container});
      await viewer.importXML(data.xml);
      const canvas = viewer.get('canvas');
      canvas.zoom('fit-viewport', 'auto');
      const registry = viewer.get('elementRegistry');
      for (const [ids, marker] of [[data.done || [], 'bpmn-done'], [data.current || [], 'bpmn-current']]) {
        for (const id of ids) if (registry.get(id)) canvas.addMarker(id, marker);
      }
      const overlays = viewer.get('overlays');
      for (const [id, lines] of Object.entries(data.notes || {})) {
        if (!registry.get(id) || !lines.length) continue;
        const box = document.createElement('div');
        box.className = 'diagram-note';
        for (const line of lines) {
          const row = document.createElement('div');
          row.textContent = line;
          box.appendChild(row);
        }
        overlays.add(id, {position: {bottom: -8, left: -40}, html: box});
      }
      container.dataset.rendered = 'true';
    } catch (error) {
      container.innerHTML = '<p class="text-danger p-3">流程图加载失败</p>';
      console.error(error);
    }
  }
  document.querySelectorAll('[data-diagram-url]').forEach(render);
})();
