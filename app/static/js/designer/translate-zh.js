// Chinese labels for the modeler's palette, context pad, replace menu and the base properties panel.
// Strings without a translation stay as bpmn-js wrote them.
const ZH = {
  'Activate hand tool': '抓手工具', 'Activate lasso tool': '框选工具',
  'Activate create/remove space tool': '插入/删除空间', 'Activate global connect tool': '连线工具',
  'Create start event': '开始事件', 'Create end event': '结束事件', 'Create task': '任务',
  'Create gateway': '网关', 'Create intermediate/boundary event': '中间/边界事件',
  'Create pool/participant': '池', 'Create expanded sub-process': '子流程', 'Create group': '分组',
  'Create data object reference': '数据对象', 'Create data store reference': '数据存储',
  'Append task': '追加任务', 'Append end event': '追加结束事件', 'Append gateway': '追加网关',
  'Append intermediate/boundary event': '追加中间事件', 'Append timer intermediate catch event': '追加定时器',
  'Append message intermediate catch event': '追加消息等待', 'Append receive task': '追加接收任务',
  'Append text annotation': '追加注释', 'Add text annotation': '添加注释',
  'Change element': '更改类型', 'Change type': '更改类型', 'Delete': '删除', 'Connect to other element': '连线到其他元素',
  'Connect using association': '用关联连线', 'Add lane above': '上方添加泳道', 'Add lane below': '下方添加泳道',
  'Divide into two lanes': '分成两个泳道', 'Divide into three lanes': '分成三个泳道',
  'Toggle non-interrupting': '切换为不中断', 'Append': '追加', 'Search in diagram': '在图中搜索',
  'User task': '用户任务', 'Manual task': '人工任务', 'Service task': '服务任务', 'Script task': '脚本任务',
  'Business rule task': '规则任务', 'Send task': '发送任务', 'Receive task': '接收任务', 'Task': '任务',
  'Call activity': '调用活动', 'Sub-process (collapsed)': '子流程（折叠）', 'Sub-process (expanded)': '子流程（展开）',
  'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关', 'Inclusive gateway': '包容网关',
  'Event-based gateway': '事件网关', 'Complex gateway': '复杂网关',
  'Start event': '开始事件', 'End event': '结束事件', 'Intermediate throw event': '中间抛出事件',
  'Message start event': '消息开始事件', 'Timer start event': '定时开始事件',
  'Message intermediate catch event': '消息等待事件', 'Message intermediate throw event': '消息发送事件',
  'Timer intermediate catch event': '定时器事件', 'Message end event': '消息结束事件',
  'Message boundary event': '消息边界事件', 'Timer boundary event': '定时器边界事件',
  'Timer boundary event (non-interrupting)': '定时器边界事件（不中断）',
  'Message boundary event (non-interrupting)': '消息边界事件（不中断）',
  'Terminate end event': '终止结束事件', 'Default flow': '默认路径', 'Sequence flow': '连线', 'Conditional flow': '条件连线',
  General: '基本', Name: '名称', ID: '标识（id）', Documentation: '说明', 'Element documentation': '元素说明',
  'Process documentation': '流程说明', Process: '流程', 'Process name': '流程名称', 'Process ID': '流程标识（id）',
  Executable: '可执行', 'Version tag': '版本标签', 'Multi-instance': '多实例', 'Extension properties': '扩展属性',
  '<none>': '（无）', '<empty>': '（空）', 'Element must have an unique id.': '元素 id 必须唯一',
  'ID must not be empty.': 'id 不能为空', 'ID must not contain spaces.': 'id 不能包含空格',
  'ID must be a valid QName.': 'id 必须是有效的 XML 名称', 'Select an element to edit its properties.': '选择元素以编辑其属性',
  'Multiple elements are selected. Select a single one to edit its properties.': '选中了多个元素，请只选一个以编辑其属性',
  'Participant': '池', 'Lane': '泳道', 'Open minimap': '打开缩略图', 'Close minimap': '关闭缩略图',
};

export default function translate(template, replacements) {
  const text = ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (_match, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}
