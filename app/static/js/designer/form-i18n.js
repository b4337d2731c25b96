// Chinese for the form builder. form-js has no translation service (unlike bpmn-js / dmn-js): its palette,
// canvas and properties panel write English literals. Field names and group titles we control are Chinese
// at the source (form-fields.js, form-properties.js); the remaining literals are replaced in the DOM as
// form-js renders them — text nodes and the title / placeholder / aria-label attributes, by exact match.
// Anything not listed here stays English.

const ZH = {
  // palette
  Components: '组件',
  'Search components': '搜索组件',
  'Clear content': '清除',
  'No components found.': '没有匹配的组件。',
  Input: '输入',
  Selection: '选择',
  Presentation: '说明',
  // canvas
  Select: '请选择',
  'Build your form': '开始设计表单',
  'Drag and drop components here to start designing.': '把左侧的组件拖到这里，开始设计表单。',
  'Drag and drop components here.': '把组件拖到这里。',
  'Remove form field': '删除字段',
  // properties panel
  Form: '表单',
  'Select a form field to edit its properties.': '在画布上选择一个字段，编辑它的属性。',
  'Multiple form fields are selected. Select a single form field to edit its properties.': '选中了多个字段，请只选择一个。',
  'Field label': '标签',
  'Field description': '说明（帮助文字）',
  Key: '键（流程变量名）',
  'Binds to a form variable': '提交后写入这个流程变量；小写字母开头，只含小写字母、数字、下划线',
  'Read only': '只读',
  Required: '必填',
  Minimum: '最小值',
  Maximum: '最大值',
  'Maximum length': '最大长度',
  Text: '文字内容',
  'Supports markdown and templating.': '按纯文本显示，空行分段（不解析 Markdown）。',
  Label: '名称',
  Value: '值',
  Create: '添加',
  '<empty>': '（未命名）',
  'Create new list item': '添加选项',
  'Delete item': '删除',
  'Toggle list item': '展开/收起',
  'Toggle section': '展开/收起',
  'Section contains edits': '本组有修改',
  'Section contains an error': '本组有错误',
  'Open pop-up editor': '在弹出窗口中编辑',
  'Click to set a dynamic value with FEEL expression': '改用 FEEL 表达式（本系统不支持）',
  'Click to remove dynamic value with FEEL expression': '取消 FEEL 表达式',
  'Must not be empty.': '不能为空。',
  'Must be unique.': '不能与其他字段重复。',
  'Must not contain spaces.': '不能含空格。',
  'Must be a variable or a dot separated path.': '须为变量名（小写字母开头，只含小写字母、数字、下划线）。',
  'Must not contain numerical path segments.': '不能含纯数字的段。',
  'Must not be a prohibited path.': '这个名称不能使用。',
  'Must not conflict with other key/path assignments.': '与其他字段的键冲突。',
  'Should be an integer.': '须为整数。',
  'Should be a valid number.': '须为数字。',
  'Should be greater than or equal to zero.': '须大于或等于 0。',
  'Make this field read-only when it cannot be edited by the end-user, but its content is important for them to see. Its data will still be submitted.':
    '处理人只能查看、不能修改；内容仍随表单提交。',
};

const PATTERNS = [
  [/^Create an? (.+) element$/, (_m, name) => `添加“${name}”`],
  [/^Remove (.+)$/, (_m, name) => `删除“${name}”`],
  [/^List contains (\d+) items?$/, (_m, n) => `共 ${n} 项`],
];
const ATTRIBUTES = ['title', 'placeholder', 'aria-label'];

export function zh(text) {
  const trimmed = text.trim();
  if (!trimmed) return null;
  if (Object.prototype.hasOwnProperty.call(ZH, trimmed)) return text.replace(trimmed, ZH[trimmed]);
  for (const [pattern, replace] of PATTERNS) {
    if (pattern.test(trimmed)) return text.replace(trimmed, trimmed.replace(pattern, replace));
  }
  return null;
}

// What the designer wrote — labels and help texts drawn on the canvas, text in the panel's small code
// editors — is theirs: never translated.
function designersText(node) {
  const parent = node.parentElement;
  if (parent && parent.classList.contains('fjs-select-placeholder')) return false; // form-js's "Select"
  return Boolean(parent && parent.closest('.fjs-form-field, .cm-editor'));
}

function translateNode(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    if (designersText(node)) return;
    const text = zh(node.data);
    if (text !== null) node.data = text;
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  for (const element of [node, ...node.querySelectorAll('*')]) {
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute(name);
      const text = value && zh(value);
      if (text) element.setAttribute(name, text);
    }
  }
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (designersText(text)) continue;
    const translated = zh(text.data);
    if (translated !== null) text.data = translated;
  }
}

// Translate what is in `roots` now and whatever form-js renders into them later.
export function translateContinuously(...roots) {
  const observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === 'characterData') translateNode(mutation.target);
      else if (mutation.type === 'attributes') translateNode(mutation.target);
      else mutation.addedNodes.forEach(translateNode);
    }
  });
  for (const root of roots) {
    translateNode(root);
    observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES });
  }
  return observer;
}
