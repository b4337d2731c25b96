// The `translate` service both editors get instead of bpmn-js / dmn-js's English one: the template's Chinese
// from zh.mjs (the English when there is none), with {placeholders} filled in.
import ZH from './zh.mjs';

export default function translate(template, replacements) {
  const text = ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (_match, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}
