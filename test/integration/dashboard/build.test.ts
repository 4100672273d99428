// Builds the real dashboard bundle with esbuild into a temporary folder and checks what a
// corporate network would load: only our own files, hashed names, and a JS budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { buildDashboard, type BuildResult } from '../../../dashboard/build.ts';

// 103 KB when this was set; it was 166 KB while zod's `z` object (every locale) was bundled (eslint.config.js).
const JS_BUDGET_GZIP = 128 * 1024;
let outDir: string;
let built: BuildResult;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'keyready-dashboard-'));
  await writeFile(join(outDir, 'app-STALE0.js'), 'old build');
  built = await buildDashboard(outDir);
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('dashboard build', () => {
  it('writes index.html referencing hashed app files, and removes a previous build', async () => {
    expect(built.files.js).toMatch(/^app-[A-Z0-9]+\.js$/);
    expect(built.files.css).toMatch(/^app-[A-Z0-9]+\.css$/);
    expect((await readdir(outDir)).sort()).toEqual([built.files.css, built.files.js, 'guides', 'index.html'].sort());
    // The deployment guides the empty dashboard links to.
    expect((await readdir(join(outDir, 'guides'))).sort()).toEqual(['INTUNE.ja.md', 'INTUNE.md']);
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    expect(html).toContain(`<script type="module" src="${built.files.js}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="${built.files.css}">`);
  });

  it('loads nothing from elsewhere: no external script, style, font or image, and a self-only CSP', async () => {
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    const css = await readFile(join(outDir, built.files.css), 'utf8');
    const js = await readFile(join(outDir, built.files.js), 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain("default-src 'self'");
    expect(html).not.toContain('<script>'); // no inline script: the CSP forbids it
    expect(css).not.toMatch(/url\(|@import|@font-face/);
    // No module is loaded from elsewhere (the browser test also checks every request stays same-origin).
    expect(js).not.toMatch(/(from|import\(|fetch\()\s*["'`](https?:)?\/\//);
  });

  it('never builds HTML from strings in its own code (device data is rendered as text only)', () => {
    const dir = join(import.meta.dirname, '../../../dashboard/src');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|dangerouslySetInnerHTML/);
    }
  });

  it(`keeps the JavaScript under ${JS_BUDGET_GZIP / 1024} KB gzipped`, () => {
    console.log(`dashboard JS: ${(built.jsBytes / 1024).toFixed(1)} KB, ${(built.jsGzipBytes / 1024).toFixed(1)} KB gzipped`);
    expect(built.jsGzipBytes).toBeLessThan(JS_BUDGET_GZIP);
  });
});
