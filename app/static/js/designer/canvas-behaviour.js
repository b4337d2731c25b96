// How the canvas behaves beyond bpmn-js's defaults: lanes show their role's name (the diagram stores the
// role code, docs/workflow.md), and clicking the one selected element keeps it selected.
import BaseRenderer from 'diagram-js/lib/draw/BaseRenderer';
import { is } from 'bpmn-js/lib/util/ModelUtil';

// A lane named with a role code is drawn as bpmn-js draws it, with the role's name as its label.
class RoleLaneRenderer extends BaseRenderer {
  constructor(eventBus, bpmnRenderer, config) {
    super(eventBus, 1500);
    this.bpmnRenderer = bpmnRenderer;
    this.roleNames = new Map(((config && config.catalog && config.catalog.roles) || []).map((r) => [r.code, r.name]));
  }

  canRender(element) {
    return is(element, 'bpmn:Lane') && this.roleNames.has(element.businessObject.name);
  }

  drawShape(parentGfx, element, attrs) {
    const bo = element.businessObject;
    const shown = Object.create(element, {
      businessObject: { value: Object.create(bo, { name: { value: this.roleNames.get(bo.name) } }) },
    });
    return this.bpmnRenderer.drawShape(parentGfx, shown, attrs);
  }

  getShapePath(element) {
    return this.bpmnRenderer.getShapePath(element);
  }
}

RoleLaneRenderer.$inject = ['eventBus', 'bpmnRenderer', 'config.licai'];

// diagram-js deselects the only selected element when it is clicked again. A designer who has just edited
// its properties clicks it to go on working with it and lost the panel: the click now keeps the selection
// (shift-click still deselects).
function KeepSelectionOnClick(eventBus, selection) {
  eventBus.on('element.click', 1500, (event) => {
    const selected = selection.get();
    if (selected.length === 1 && selected[0] === event.element && !event.originalEvent?.shiftKey) event.stopPropagation();
  });
}

KeepSelectionOnClick.$inject = ['eventBus', 'selection'];

export default {
  __init__: ['roleLaneRenderer', 'keepSelectionOnClick'],
  roleLaneRenderer: ['type', RoleLaneRenderer],
  keepSelectionOnClick: ['type', KeepSelectionOnClick],
};
