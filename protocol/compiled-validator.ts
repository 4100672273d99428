// A zod schema compiled into one plain JavaScript function, for the collector's hot path (every
// report an agent sends). The zod schema stays the one source of truth: the function is generated from
// its definition at start-up, and test/unit/protocol/compiled-validator.test.ts proves on thousands of
// seeded mutated reports that it accepts exactly what `safeParse` accepts and yields the same data.
//
// What it does differently from zod, and why that is the same answer: it works in place on a value
// fresh from JSON.parse (the caller owns it and nothing else holds it) — unknown object keys are
// deleted instead of copying every known one into a new object, a missing defaulted key is set —
// so an accepted report costs no allocation. It answers only yes or no: a rejected message is parsed
// again by zod for the reason (rejections are rare and the reason is what an admin reads).
// Only the zod features the wire schemas use are compiled; anything else throws at compile time,
// so a schema change that outgrows the compiler fails loudly at start-up and in the tests.
import type * as z from 'zod';

/** True when `value` is valid; on true, `value` has become what `safeParse` would have returned. */
export type CompiledValidator<T> = (value: unknown) => value is T;

/** The parts of a zod 4 definition the compiler reads (zod's own types are a union too wide to walk). */
interface Def {
  type: string;
  /** A string format schema (`z.iso.datetime()`…) is its own check: `string_format` with a pattern. */
  check?: string;
  format?: string;
  pattern?: RegExp;
  checks?: { _zod: { def: CheckDef } }[];
  shape?: Record<string, Schema>;
  catchall?: Schema;
  innerType?: Schema;
  defaultValue?: unknown;
  element?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  options?: Schema[];
}
interface CheckDef {
  check: string;
  maximum?: number;
  minimum?: number;
  format?: string;
  pattern?: RegExp;
  value?: number;
  inclusive?: boolean;
  fn?: (value: unknown) => unknown;
}
interface Schema {
  _zod: { def: Def; values?: Set<unknown> };
}

const PATTERN_FORMATS: ReadonlySet<string> = new Set(['datetime', 'date', 'time', 'regex']);

class Compiler {
  readonly constants: unknown[] = [];
  /** Functions the generated code calls (union options), declared next to it. */
  readonly functions: string[] = [];
  #names = 0;

  name(prefix: string): string {
    return `${prefix}${(this.#names += 1)}`;
  }

  constant(value: unknown): string {
    this.constants.push(value);
    return `C[${this.constants.length - 1}]`;
  }

  /**
   * Statements that `return false` unless the value in variable `v` is valid. `slot` is where the
   * value lives (an object property, an array element), for a default to be written to.
   */
  emit(schema: Schema, v: string, slot: string | null): string {
    const def = schema._zod.def;
    switch (def.type) {
      case 'string':
        return `if (typeof ${v} !== 'string') return false;\n${def.check === undefined ? '' : this.#pattern(def, v)}${this.#checks(def, `${v}.length`, v)}`;
      case 'number':
        return `if (typeof ${v} !== 'number' || !Number.isFinite(${v})) return false;\n${this.#numberChecks(def, v)}`;
      case 'boolean':
        return `if (typeof ${v} !== 'boolean') return false;\n${this.#noChecks(def)}`;
      case 'null':
        return `if (${v} !== null) return false;\n`;
      case 'literal':
      case 'enum':
        return `if (!${this.constant(schema._zod.values)}.has(${v})) return false;\n${this.#noChecks(def)}`;
      case 'nullable':
        return `if (${v} !== null) {\n${this.emit(def.innerType!, v, slot)}}\n`;
      case 'optional':
        return `if (${v} !== undefined) {\n${this.emit(def.innerType!, v, slot)}}\n`;
      case 'default': {
        const fallback = def.defaultValue;
        if (slot === null || (fallback !== null && typeof fallback === 'object')) throw new Error('compiled validator: only a primitive default of an object key is supported');
        return `if (${v} === undefined) ${slot} = ${this.constant(fallback)};\nelse {\n${this.emit(def.innerType!, v, slot)}}\n`;
      }
      case 'array': {
        const i = this.name('i');
        const e = this.name('e');
        return (
          `if (!Array.isArray(${v})) return false;\n${this.#checks(def, `${v}.length`)}` +
          `for (let ${i} = 0; ${i} < ${v}.length; ${i} += 1) {\nconst ${e} = ${v}[${i}];\n${this.emit(def.element!, e, `${v}[${i}]`)}}\n`
        );
      }
      case 'object':
        return this.#object(def, v);
      case 'record':
        return this.#record(def, v);
      case 'union':
        return this.#union(def, v);
      default:
        throw new Error(`compiled validator: zod type "${def.type}" is not supported`);
    }
  }

  #object(def: Def, v: string): string {
    if (def.catchall) throw new Error('compiled validator: only stripping objects (no catchall, strict or passthrough): this one is not supported');
    this.#noChecks(def);
    const keys = Object.keys(def.shape!);
    let code = `if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) return false;\n`;
    for (const key of keys) {
      const p = this.name('p');
      // A key Object.prototype also has must be read as an own property, or a missing one reads the prototype's.
      const read = key in Object.prototype ? `(Object.hasOwn(${v}, ${JSON.stringify(key)}) ? ${v}[${JSON.stringify(key)}] : undefined)` : `${v}[${JSON.stringify(key)}]`;
      code += `{\nconst ${p} = ${read};\n${this.emit(def.shape![key]!, p, `${v}[${JSON.stringify(key)}]`)}}\n`;
    }
    const k = this.name('k');
    // zod leaves unknown keys (and an own "__proto__") out of its output: they are deleted here.
    code += `for (const ${k} in ${v}) if (!${this.constant(new Set(keys))}.has(${k})) delete ${v}[${k}];\n`;
    return code;
  }

  #record(def: Def, v: string): string {
    const k = this.name('k');
    const e = this.name('e');
    let code = `if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) return false;\n`;
    // zod skips an own "__proto__" key of a record (neither checked nor kept).
    code += `for (const ${k} in ${v}) {\nif (${k} === '__proto__') { delete ${v}[${k}]; continue; }\n`;
    code += `{\n${this.emit(def.keyType!, k, null)}}\nconst ${e} = ${v}[${k}];\n${this.emit(def.valueType!, e, `${v}[${k}]`)}}\n`;
    // Refinements run on the output, as zod runs them.
    for (const check of def.checks ?? []) {
      const c = check._zod.def;
      if (c.check !== 'custom' || !c.fn) throw new Error(`compiled validator: record check "${c.check}" is not supported`);
      code += `if (!${this.constant(c.fn)}(${v})) return false;\n`;
    }
    return code;
  }

  #union(def: Def, v: string): string {
    // Options are tried in order and the first that fits wins; an option must not change the value,
    // or a failed option would leave its changes for the next one to see.
    const options = def.options!.map((option) => {
      if (!pure(option)) throw new Error('compiled validator: union options must be primitives or arrays of them');
      const f = this.name('option');
      this.functions.push(`function ${f}(x) {\n${this.emit(option, 'x', null)}return true;\n}\n`);
      return `${f}(${v})`;
    });
    return `if (!(${options.join(' || ')})) return false;\n`;
  }

  /**
   * A string format zod checks by its pattern alone (ISO dates and times, `.regex()`); any other format
   * (email, url…) runs more than a pattern and is refused at compile time rather than checked wrongly.
   */
  #pattern(c: { check?: string; format?: string; pattern?: RegExp }, v: string): string {
    if (c.check !== 'string_format' || !c.format || !PATTERN_FORMATS.has(c.format) || !c.pattern) {
      throw new Error(`compiled validator: string check "${c.check ?? ''}${c.format ? ` ${c.format}` : ''}" is not supported`);
    }
    const re = this.constant(c.pattern);
    return `${re}.lastIndex = 0;\nif (!${re}.test(${v})) return false;\n`;
  }

  /** The length bounds of a string or an array, and the pattern checks of a string (`string` given). */
  #checks(def: Def, length: string, string?: string): string {
    let code = '';
    for (const check of def.checks ?? []) {
      const c = check._zod.def;
      if (c.check === 'string_format' && string !== undefined) code += this.#pattern(c, string);
      else if (c.check === 'max_length') code += `if (${length} > ${Number(c.maximum)}) return false;\n`;
      else if (c.check === 'min_length') code += `if (${length} < ${Number(c.minimum)}) return false;\n`;
      else throw new Error(`compiled validator: check "${c.check}" is not supported`);
    }
    return code;
  }

  #numberChecks(def: Def, v: string): string {
    let code = '';
    for (const check of def.checks ?? []) {
      const c = check._zod.def;
      if (c.check === 'number_format' && c.format === 'safeint') code += `if (!Number.isSafeInteger(${v})) return false;\n`;
      else if (c.check === 'greater_than') code += `if (${v} ${c.inclusive ? '<' : '<='} ${Number(c.value)}) return false;\n`;
      else if (c.check === 'less_than') code += `if (${v} ${c.inclusive ? '>' : '>='} ${Number(c.value)}) return false;\n`;
      else throw new Error(`compiled validator: number check "${c.check}${c.format ? ` ${c.format}` : ''}" is not supported`);
    }
    return code;
  }

  #noChecks(def: Def): string {
    if (def.checks?.length) throw new Error(`compiled validator: checks on a zod "${def.type}" are not supported`);
    return '';
  }
}

/** A schema whose parse returns its input unchanged (no object to strip, no default to fill). */
function pure(schema: Schema): boolean {
  const def = schema._zod.def;
  if (['string', 'number', 'boolean', 'null', 'literal', 'enum'].includes(def.type)) return true;
  if (def.type === 'nullable' || def.type === 'optional') return pure(def.innerType!);
  if (def.type === 'array') return pure(def.element!);
  if (def.type === 'union') return def.options!.every(pure);
  return false;
}

export function compileValidator<T>(schema: z.ZodType<T>): CompiledValidator<T> {
  const compiler = new Compiler();
  const body = `${compiler.emit(schema as unknown as Schema, 'value', null)}return true;\n`;
  // Generated from the schema's own definition (no outside text reaches it), once at start-up.
  const factory = new Function('C', `${compiler.functions.join('')}return function compiledValidator(value) {\n${body}};`) as (constants: unknown[]) => CompiledValidator<T>;
  return factory(compiler.constants);
}
