// 富文本编辑器: a <textarea data-rich-text> becomes a Quill editor (loaded from /vendor/quill.js). Without
// JavaScript the textarea stays and takes HTML as before; with it, the textarea is hidden, the editor starts from
// its HTML, and on submit the editor's semantic HTML (real <ul>/<ol>) is written back. The server still cleans
// every body with app/richtext.clean — this file is convenience, not a trust boundary.
(function () {
  'use strict';
  if (!window.Quill) return;

  var TOOLBAR = [
    [{ header: [2, 3, 4, false] }],
    ['bold', 'italic', 'underline', 'strike'],
    [{ list: 'bullet' }, { list: 'ordered' }, 'blockquote'],
    ['link', 'clean'],
  ];
  var TITLES = {
    'button.ql-bold': '加粗',
    'button.ql-italic': '斜体',
    'button.ql-underline': '下划线',
    'button.ql-strike': '删除线',
    'button.ql-list[value="bullet"]': '项目符号列表',
    'button.ql-list[value="ordered"]': '编号列表',
    'button.ql-blockquote': '引用',
    'button.ql-link': '插入链接',
    'button.ql-clean': '清除格式',
    '.ql-header .ql-picker-label': '标题级别',
  };

  function isEmpty(quill) {
    return quill.getText().trim() === '' && !quill.root.querySelector('img');
  }

  // Quill's table module knows only <tbody> rows of <td>: header cells would be merged into one, so a table's
  // <thead>/<th> become plain rows and cells before Quill reads them (from the saved body or a paste).
  function plainTables(html) {
    if (!/<(th|thead|tfoot)[\s>]/i.test(html)) return html;
    var doc = new DOMParser().parseFromString(html, 'text/html');  // inert: nothing in it runs or loads
    doc.querySelectorAll('thead, tfoot, th').forEach(function (el) {
      var plain = doc.createElement(el.tagName === 'TH' ? 'td' : 'tbody');
      ['colspan', 'rowspan'].forEach(function (name) {
        if (el.hasAttribute(name)) plain.setAttribute(name, el.getAttribute(name));
      });
      while (el.firstChild) plain.appendChild(el.firstChild);
      el.replaceWith(plain);
    });
    return doc.documentElement.outerHTML;  // keeps Word's <html xmlns:w> and <style>, which Quill reads
  }

  function semanticHtml(quill) {
    if (isEmpty(quill)) return '';
    // Quill 2.0.3 writes every space as &nbsp;, which stops lines from wrapping: keep only runs of spaces.
    return quill.getSemanticHTML().replace(/&nbsp;(?!&nbsp;)/g, ' ');
  }

  function labelFor(textarea) {
    return textarea.id ? document.querySelector('label[for="' + textarea.id + '"]') : null;
  }

  function enhance(textarea) {
    var holder = document.createElement('div');
    holder.className = 'rich-text-editor';
    textarea.classList.forEach(function (name) {  // keep the field's spacing (mb-2 …)
      if (/^m[tbsexy]?-\d$/.test(name)) holder.classList.add(name);
    });
    var area = document.createElement('div');
    holder.appendChild(area);
    textarea.insertAdjacentElement('afterend', holder);
    var quill = new window.Quill(area, {
      theme: 'snow',
      placeholder: textarea.getAttribute('placeholder') || '',
      modules: { toolbar: TOOLBAR, table: true },
    });
    var convert = quill.clipboard.convert.bind(quill.clipboard);
    quill.clipboard.convert = function (input, formats) {
      if (input && input.html) input = { html: plainTables(input.html), text: input.text };
      return convert(input, formats);
    };
    quill.setContents(quill.clipboard.convert({ html: textarea.value }), 'silent');
    textarea.hidden = true;

    var toolbar = holder.querySelector('.ql-toolbar');
    toolbar.setAttribute('role', 'toolbar');
    toolbar.setAttribute('aria-label', '格式');
    Object.keys(TITLES).forEach(function (selector) {
      toolbar.querySelectorAll(selector).forEach(function (el) {
        el.setAttribute('title', TITLES[selector]);
        el.setAttribute('aria-label', TITLES[selector]);
      });
    });

    // The label (or aria-label) now names the editor, so "正文" still finds the box a user types in.
    var editor = quill.root;
    editor.setAttribute('role', 'textbox');
    editor.setAttribute('aria-multiline', 'true');
    var label = labelFor(textarea);
    if (label) {
      if (!label.id) label.id = textarea.id + '-label';
      label.removeAttribute('for');
      editor.setAttribute('aria-labelledby', label.id);
      label.addEventListener('click', function () { quill.focus(); });
    } else if (textarea.getAttribute('aria-label')) {
      editor.setAttribute('aria-label', textarea.getAttribute('aria-label'));
    }
    if (textarea.rows) editor.style.minHeight = (textarea.rows * 1.6) + 'em';

    var form = textarea.form;
    if (form) {
      form.addEventListener('submit', function () { textarea.value = semanticHtml(quill); });
    }
  }

  document.querySelectorAll('textarea[data-rich-text]').forEach(enhance);
})();
