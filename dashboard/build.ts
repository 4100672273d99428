// Builds the dashboard into static files the collector serves at `/`: index.html plus content-hashed
// app-<hash>.js and app-<hash>.css (cache forever, new names on change). Everything is bundled: no CDN,
// no web fonts, no third-party script — corporate networks and air-gapped sites load nothing else.
//   npm run build:dashboard            → dist/dashboard/ (npm run build makes it with the other bundles)
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { DASHBOARD_CSP } from '../protocol/api.ts';
import { errorText } from '../protocol/error-text.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = join(HERE, '..', 'dist', 'dashboard');
/** installers/windows/ guides served at /guides/ (Intune and Group Policy deployment, en and ja). */
export const GUIDES = ['INTUNE.md', 'INTUNE.ja.md'] as const;



export interface BuildResult {
  outDir: string;
  files: { html: string; js: string; css: string };
  jsBytes: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
}

function page(js: string, css: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>KeyReady</title>
<link rel="stylesheet" href="${css}">
<script type="module" src="${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>KeyReady needs JavaScript. / KeyReady には JavaScript が必要です。</noscript>
</body>
</html>
`;
}

export async function buildDashboard(outDir: string = DEFAULT_OUT_DIR): Promise<BuildResult> {
  const result = await build({
    entryPoints: { app: join(HERE, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome109', 'edge109', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: outDir,
    write: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new Error('esbuild produced no app .js/.css');

  await mkdir(outDir, { recursive: true });
  for (const file of [js, css]) await writeFile(file.path, file.contents);
  // index.html is swapped in last and atomically, so a server never serves a page whose assets are missing.
  const html = join(outDir, 'index.html');
  const jsName = basename(js.path);
  const cssName = basename(css.path);
  // The deployment guides, so the empty dashboard's "add PCs" can link to them on the collector itself.
  await mkdir(join(outDir, 'guides'), { recursive: true });
  for (const guide of GUIDES) await copyFile(join(HERE, '..', 'installers', 'windows', guide), join(outDir, 'guides', guide));
  await writeFile(`${html}.tmp`, page(jsName, cssName));
  await rename(`${html}.tmp`, html);
  for (const name of await readdir(outDir)) {
    if (/^app-.*\.(js|css)$/.test(name) && name !== jsName && name !== cssName) await rm(join(outDir, name), { force: true });
  }

  return {
    outDir,
    files: { html: 'index.html', js: jsName, css: cssName },
    jsBytes: js.contents.byteLength,
    jsGzipBytes: gzipSync(js.contents, { level: 9 }).byteLength,
    cssGzipBytes: gzipSync(css.contents, { level: 9 }).byteLength,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT_DIR;
  try {
    const built = await buildDashboard(outDir);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log(
      `dashboard built in ${built.outDir}: ${built.files.js} ${kb(built.jsBytes)} (${kb(built.jsGzipBytes)} gzipped), ${built.files.css} (${kb(built.cssGzipBytes)} gzipped)`,
    );
  } catch (error) {
    console.error(`dashboard build failed: ${errorText(error)}`);
    process.exitCode = 1;
  }
}
