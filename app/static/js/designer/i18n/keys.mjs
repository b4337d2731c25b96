// Every English string the designer's bundles pass to `translate`, and which of them zh.mjs lacks.
// The editors are bundled as `npm run build` does (unminified, not written), so only code that ships is read:
// literal `translate('…')` calls, plus the option tables whose labels are translated through a variable.
// `node keys.mjs` prints the missing keys as JSON and exits 1 when there are any; `--all` prints every key.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import ZH from './zh.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const STRING = /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/.source;
const CALL = new RegExp(`(?<![\\w$])_?translate\\d*\\(\\s*${STRING}`, 'g');

// Strings translated through a variable (`translate(option.label)`, `translate(ERROR_MESSAGE[type])`, …): the
// literals in these files that such calls read, picked by what precedes them.
const INDIRECT = [
  ['bpmn-js/lib/features/replace/ReplaceOptions.js', 'label:'],
  ['bpmn-js/lib/features/modeling-feedback/ModelingFeedback.js', '_MSG ='],
  ['dmn-js-drd/lib/features/replace/ReplaceOptions.js', 'label:'],
  ['dmn-js-drd/lib/features/drill-down/DrillDown.js', 'title:'],
  ['dmn-js-shared/lib/util/IdsUtil.js', 'return'],
  ['dmn-js-shared/lib/features/data-types/DataTypes.js', '(?:DEFAULT_DATA_TYPES = \\[|,)'],
  ['dmn-js-decision-table/lib/features/hit-policy/HitPolicies.js', '(?:label|explanation):'],
  ['dmn-js-decision-table/lib/features/simple-duration-edit/components/DurationInput.js', 'Duration:'],
  ['dmn-js-decision-table/lib/features/simple-string-edit/components/SimpleStringEditContextMenuComponent.js', '_LABEL ='],
  ['dmn-js-decision-table/lib/features/simple-date-edit/Utils.js', 'return'],
  ['dmn-js-decision-table/lib/features/simple-time-edit/Utils.js', 'return'],
  ['dmn-js-decision-table/lib/features/simple-date-time-edit/Utils.js', 'return'],
];

// The properties panel's header names the element's concrete type, spaced out ("Timer Boundary Event
// (Non Interrupting)"): every type the palette and the replace menu can make, plus the connections.
const PLAIN_TYPES = ['Process', 'Collaboration', 'Participant', 'Lane', 'SequenceFlow', 'DefaultFlow', 'ConditionalFlow',
  'MessageFlow', 'Association', 'DataInputAssociation', 'DataOutputAssociation', 'TextAnnotation', 'Group',
  'DataObjectReference', 'DataStoreReference', 'Task', 'StartEvent', 'EndEvent', 'IntermediateThrowEvent'];

function headerTypes(replaceOptions) {
  const types = new Set(PLAIN_TYPES);
  for (const [, body] of replaceOptions.matchAll(/target:\s*\{([^}]*)\}/g)) {
    const field = (name) => body.match(new RegExp(`${name}:\\s*'?([\\w:]+)`))?.[1];
    let type = field('type').replace('bpmn:', '');
    const definition = field('eventDefinitionType');
    if (definition) {
      type = definition.replace('bpmn:', '').replace('EventDefinition', '').replace(/^Compensate$/, 'Compensation') + type;
      if (field('cancelActivity') === 'false' || field('isInterrupting') === 'false') type += 'NonInterrupting';
    } else if (type === 'SubProcess' || type === 'AdHocSubProcess') {
      type = (field('triggeredByEvent') === 'true' ? 'Event' : field('isExpanded') === 'true' ? 'Expanded' : 'Collapsed') + type;
    }
    types.add(type);
  }
  return [...types].map((t) => t.replace(/(\B[A-Z])/g, ' $1').replace(/(\bNon Interrupting)/g, '($1)'));
}

function unquote(literal) {
  return JSON.parse(literal[0] === '"' ? literal : `"${literal.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`);
}

export async function shippedKeys() {
  const result = await build({
    entryPoints: [path.join(here, '..', 'bpmn-editor.js'), path.join(here, '..', 'dmn-editor.js')],
    bundle: true, write: false, minify: false, format: 'esm', outdir: path.join(here, 'unused'), logLevel: 'error',
    loader: { '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.eot': 'empty', '.svg': 'empty', '.css': 'empty' },
  });
  const keys = new Set();
  for (const file of result.outputFiles) {
    for (const match of file.text.matchAll(CALL)) keys.add(unquote(match[1]));
  }
  for (const [name, before] of INDIRECT) {
    const text = readFileSync(require.resolve(name), 'utf8');
    for (const match of text.matchAll(new RegExp(`${before}\\s*${STRING}`, 'g'))) keys.add(unquote(match[1]));
  }
  for (const type of headerTypes(readFileSync(require.resolve(INDIRECT[0][0]), 'utf8'))) keys.add(type);
  // A CSS transform built as `'translate(' + shift + …` is not a translation.
  return [...keys].filter((key) => /[A-Za-z]/.test(key) && !/^\s*\+/.test(key)).sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const keys = await shippedKeys();
  const shown = process.argv.includes('--all') ? keys : keys.filter((key) => !(key in ZH));
  console.log(JSON.stringify(shown, null, 1));
  process.exitCode = !process.argv.includes('--all') && shown.length ? 1 : 0;
}
