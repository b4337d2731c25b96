// The decision table's column type (类型) as a choice of translated names. dmn-js shows it in a combobox
// whose text box holds the raw typeRef ("number", "string"); the same menu without the text box shows the
// option's label (数字, 字符串). Replaces dmn-js's `typeRefEditingProvider` by name.
import TypeRefCellContextMenu from 'dmn-js-decision-table/lib/features/type-ref/components/TypeRefCellContextMenu';

class TypeRefChoice extends TypeRefCellContextMenu {
  render() {
    const vnode = super.render();
    const [, select] = vnode.children.children; // div.type-ref-edit > div.dms-form-control > [label, InputSelect]
    select.props = { ...select.props, noInput: true };
    return vnode;
  }
}

function TypeRefEditingProvider(components) {
  components.onGetComponent('context-menu', 750, (context = {}) => (
    ['input-edit', 'output-edit'].includes(context.contextMenuType) ? TypeRefChoice : undefined
  ));
}

TypeRefEditingProvider.$inject = ['components'];

export default {
  __init__: ['typeRefEditingProvider'],
  typeRefEditingProvider: ['type', TypeRefEditingProvider],
};
