// Bundle the designer's ES modules (bpmn-js Modeler + properties panel, dmn-js) and their CSS and fonts
// into app/static/build/ (gitignored; `make setup` runs this). Everything comes from node_modules: no CDN.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = process.env.LICAI_ASSET_BUILD_DIR || path.resolve(here, '../../build');

await build({
  entryPoints: {
    'designer-bpmn': path.join(here, 'bpmn-editor.js'),
    'designer-dmn': path.join(here, 'dmn-editor.js'),
    'designer-bpmn-style': path.join(here, 'bpmn-editor.css'),
    'designer-dmn-style': path.join(here, 'dmn-editor.css'),
  },
  outdir,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'linked',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  logLevel: 'warning',
});
console.log(`designer assets built into ${outdir}`);
