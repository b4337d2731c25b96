// Render a process diagram with bpmn-js (served from node_modules) and highlight the instance's progress:
// completed elements green, current ones orange. Containers: <div class="diagram" data-diagram-url="…">.
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
      container.dataset.rendered = 'true';
    } catch (error) {
      container.innerHTML = '<p class="text-danger p-3">流程图加载失败</p>';
      console.error(error);
    }
  }
  document.querySelectorAll('[data-diagram-url]').forEach(render);
})();
