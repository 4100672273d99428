// Heap snapshots (.heapsnapshot, V8's JSON format) summed by what the objects are: a diff of two
// snapshots of the same process, divided by the connections added between them, says what each
// connection keeps on the JS heap.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapClass {
  count: number;
  bytes: number;
}

/** Self size and count per class: objects and closures by constructor or function name, everything else by V8's node type. */
export function heapClasses(file: string): Map<string, HeapClass> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = parsed.snapshot.meta.node_fields;
  const types = parsed.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const classes = new Map<string, HeapClass>();
  for (let i = 0; i < parsed.nodes.length; i += fields.length) {
    const type = types[parsed.nodes[i + typeAt]!]!;
    const named = type === 'object' || type === 'closure' || type === 'native';
    const key = named ? `${type === 'closure' ? 'closure ' : ''}${parsed.strings[parsed.nodes[i + nameAt]!]!.slice(0, 60)}` : `(${type})`;
    const entry = classes.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += parsed.nodes[i + sizeAt]!;
    classes.set(key, entry);
  }
  return classes;
}

/** What grew from `before` to `after`, per unit (connection), largest first. */
export function heapGrowth(before: Map<string, HeapClass>, after: Map<string, HeapClass>, units: number): { name: string; count: number; bytes: number }[] {
  return [...after]
    .map(([name, a]) => {
      const b = before.get(name) ?? { count: 0, bytes: 0 };
      return { name, count: (a.count - b.count) / units, bytes: (a.bytes - b.bytes) / units };
    })
    .sort((x, y) => y.bytes - x.bytes);
}
