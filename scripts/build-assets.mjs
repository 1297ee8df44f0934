// Builds the front-end assets into src/taxlight/static/dist/ (gitignored):
//
//   app.js      htmx + Bootstrap's JavaScript (every page)
//   app.css     Bootstrap's CSS + assets/css/app.css (every page)
//   echarts.js  Apache ECharts and the chart loader (only pages that draw a chart)
//
// Everything comes from node_modules (installed by `npm ci` from package-lock.json): the
// machines are offline and the pages never link a CDN. Run: `node scripts/build-assets.mjs`.
import { mkdir, rm, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "src", "taxlight", "static", "dist");

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: "linked",
  legalComments: "eof",
  target: ["es2020", "chrome100", "firefox100", "safari15", "edge100"],
  logLevel: "warning",
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

await esbuild.build({
  ...common,
  entryPoints: { app: "assets/js/app.js", echarts: "assets/js/charts.js" },
  outdir,
  format: "iife",
});

await esbuild.build({
  ...common,
  entryPoints: { app: "assets/css/app.css" },
  outdir,
  loader: { ".woff": "file", ".woff2": "file", ".svg": "file", ".png": "file" },
  assetNames: "[name]-[hash]",
});

for (const name of (await readdir(outdir)).sort()) {
  const { size } = await stat(path.join(outdir, name));
  console.log(`  ${path.relative(root, path.join(outdir, name))}  ${(size / 1024).toFixed(1)} KiB`);
}
