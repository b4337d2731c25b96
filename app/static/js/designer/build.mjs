// Bundle the designer's ES modules (bpmn-js Modeler + properties panel, dmn-js) and their CSS and fonts
// into app/static/build/ (gitignored; `make setup` runs this). Everything comes from node_modules: no CDN.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = process.env.LICAI_ASSET_BUILD_DIR || path.resolve(here, '../../build');

const common = {
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
};

await build({
  ...common,
  entryPoints: {
    'designer-bpmn': path.join(here, 'bpmn-editor.js'),
    'designer-dmn': path.join(here, 'dmn-editor.js'),
    'designer-bpmn-style': path.join(here, 'bpmn-editor.css'),
    'designer-dmn-style': path.join(here, 'dmn-editor.css'),
  },
});

// The form builder (form-js). The editor pins an older preact than the viewer it renders fields with, and
// two preact copies in one page break hooks: every `preact` import of this bundle (ours included) resolves
// to the copy the editor itself uses.
const editorRequire = createRequire(createRequire(import.meta.url).resolve('@bpmn-io/form-js-editor'));
const onePreact = {
  name: 'one-preact',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^preact(\/.*)?$/ }, (args) => ({ path: editorRequire.resolve(args.path) }));
  },
};
await build({
  ...common,
  entryPoints: {
    'designer-form': path.join(here, 'form-editor.js'),
    'designer-form-style': path.join(here, 'form-editor.css'),
  },
  plugins: [onePreact],
});
console.log(`designer assets built into ${outdir}`);
