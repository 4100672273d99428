// The repository's import graph, read with TypeScript's own parser (no type checking, so it is fast):
// every static import/export-from, dynamic import() and import("…") type of every .ts/.tsx file,
// resolved to repo-relative paths. The architecture test states its rules over these edges.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** The importing file, repo-relative with forward slashes. */
  readonly from: string;
  /** A repo-relative file for a relative import, else the bare specifier (`zod`, `node:fs`). */
  readonly to: string;
  /** Erased at runtime: `import type`, `export type`, or every named binding marked `type`. */
  readonly typeOnly: boolean;
  readonly line: number;
}

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Tracked and new (not ignored) source files: dist/ and node_modules are ignored, so never read. */
export function sourceFiles(root: string = REPO_ROOT): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.tsx'], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((file) => file !== '' && existsSync(join(root, file)));
}

function resolveSpecifier(from: string, specifier: string, root: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const target = normalize(join(dirname(from), specifier)).split('\\').join('/');
  if (existsSync(join(root, target))) return target;
  // `./x.js` written for a `./x.ts` source (NodeNext style).
  const asTs = target.replace(/\.js$/, '.ts');
  return existsSync(join(root, asTs)) ? asTs : target;
}

function allTypeOnly(clause: ts.ImportClause): boolean {
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

export function importsOf(file: string, root: string = REPO_ROOT): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    edges.push({ from: file, to: resolveSpecifier(file, specifier, root), typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.importClause !== undefined && allTypeOnly(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteral(argument)) add(node, argument.text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** Every cycle of files (strongly connected components of more than one file, or a file importing itself). */
export function fileCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const known = new Set(files);
  const next = new Map<string, string[]>();
  for (const edge of edges) if (known.has(edge.to)) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  // Tarjan's algorithm, iterative so a deep chain of imports cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of files) {
    if (index.has(start)) continue;
    const work: Array<{ file: string; pending: string[] }> = [];
    const open = (file: string): void => {
      index.set(file, counter);
      low.set(file, counter++);
      stack.push(file);
      onStack.add(file);
      work.push({ file, pending: [...(next.get(file) ?? [])] });
    };
    open(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const target = frame.pending.shift();
      if (target !== undefined) {
        if (!index.has(target)) open(target);
        else if (onStack.has(target)) low.set(frame.file, Math.min(low.get(frame.file)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.file, Math.min(low.get(parent.file)!, low.get(frame.file)!));
      if (low.get(frame.file) !== index.get(frame.file)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.file);
      const selfImport = (next.get(frame.file) ?? []).includes(frame.file);
      if (component.length > 1 || selfImport) cycles.push(component.sort());
    }
  }
  return cycles;
}
