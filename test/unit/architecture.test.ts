// DESIGN.md's layout as executable rules: one direction of flow, pure checks, a protocol that depends
// on nothing of ours. A failure lists each offending import as `file:line → target`.
import { describe, expect, it } from 'vitest';
import { fileCycles, importsOf, type ImportEdge, sourceFiles } from '../support/import-graph.ts';

const FILES = sourceFiles();
const EDGES = FILES.flatMap((file) => importsOf(file));

const under = (folder: string) => (path: string) => path.startsWith(`${folder}/`);
const isBuiltin = (target: string) => target.startsWith('node:');
const isPackage = (target: string) => !target.includes('/') || (!target.startsWith('.') && !/^(agent|collector|dashboard|protocol|sim|demo|bench|installers|test|bin)\//.test(target));

interface Rule {
  readonly name: string;
  readonly from: (file: string) => boolean;
  readonly forbidden: (target: string, edge: ImportEdge) => boolean;
}

const RULES: readonly Rule[] = [
  {
    name: 'product code never imports test/',
    from: (file) => !under('test')(file),
    forbidden: under('test'),
  },
  {
    name: 'checks are pure: they import only checks and protocol (no probes, fido, node:*)',
    from: under('agent/checks'),
    forbidden: (target) => !under('agent/checks')(target) && !under('protocol')(target),
  },
  {
    name: 'protocol imports nothing of ours',
    from: under('protocol'),
    forbidden: (target) => !under('protocol')(target) && !isPackage(target),
  },
  {
    name: 'the agent never imports the collector or the dashboard',
    from: under('agent'),
    forbidden: (target) => under('collector')(target) || under('dashboard')(target),
  },
  {
    name: 'the collector never imports the agent or the dashboard',
    from: under('collector'),
    forbidden: (target) => under('agent')(target) || under('dashboard')(target),
  },
  {
    name: 'the store knows no transport (no server/, api/, ws, http)',
    from: under('collector/store'),
    forbidden: (target) =>
      under('collector/server')(target) || under('collector/api')(target) || ['ws', 'node:http', 'node:https', 'node:net', 'node:tls'].includes(target),
  },
  {
    name: 'the collector flows one way: server/ and api/ never import each other (collector/app.ts wires them)',
    from: (file) => under('collector/server')(file) || under('collector/api')(file),
    forbidden: (target, edge) => (under('collector/server')(edge.from) ? under('collector/api')(target) : under('collector/server')(target)),
  },
  {
    name: 'the dashboard reaches the collector only through the HTTP API (imports only dashboard and protocol)',
    from: under('dashboard'),
    forbidden: (target) => !under('dashboard')(target) && !under('protocol')(target) && !isPackage(target),
  },
  {
    name: 'nothing outside demo/ and bench/ imports them',
    from: (file) => !under('demo')(file) && !under('bench')(file),
    forbidden: (target) => under('demo')(target) || under('bench')(target),
  },
];

describe('architecture (DESIGN.md, "Architecture" and "Layout")', () => {
  it('reads a plausible graph (the rules below are not vacuous)', () => {
    expect(FILES.length).toBeGreaterThan(200);
    expect(EDGES.some((edge) => edge.from === 'agent/checks/index.ts' && edge.to === 'protocol/report.ts')).toBe(true);
    expect(EDGES.filter((edge) => isBuiltin(edge.to)).length).toBeGreaterThan(50);
  });

  it('has no import cycle between files (type-only imports included)', () => {
    expect(fileCycles(FILES, EDGES)).toEqual([]);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const offending = EDGES.filter((edge) => rule.from(edge.from) && rule.forbidden(edge.to, edge)).map((edge) => `${edge.from}:${edge.line} → ${edge.to}`);
      expect(offending).toEqual([]);
    });
  }
});
