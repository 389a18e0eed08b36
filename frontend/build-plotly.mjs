// Bundles plotly-entry.js into dist/plotly-dashboard.min.js with the settings plotly.js uses
// for its own dist bundles (esbuild-config.js in the plotly.js package): an IIFE that sets the
// global `Plotly`, `global` mapped to `window`, minified.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const version = require('plotly.js/package.json').version;
// The banner names the trace types registered in the entry (scatter comes with the core).
const entry = readFileSync('plotly-entry.js', 'utf8');
const traces = ['scatter', ...[...entry.matchAll(/require\('plotly\.js\/lib\/(\w+)'\)/g)].map((m) => m[1]).filter((t) => t !== 'core')];

await build({
  entryPoints: ['plotly-entry.js'],
  outfile: 'dist/plotly-dashboard.min.js',
  bundle: true,
  minify: true,
  format: 'iife',
  globalName: 'Plotly',
  target: 'es2016',
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  // Only the map traces import a stylesheet; none of them is in this bundle.
  loader: { '.css': 'empty' },
  banner: { js: `/* plotly.js ${version} (MIT), partial bundle: ${traces.join(', ')} */` },
  logLevel: 'warning',
});
