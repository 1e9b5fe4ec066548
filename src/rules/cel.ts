import type { CelCompile, Predicate } from './conditions.js';

/**
 * CEL (`@bufbuild/cel`, with its string extensions) over the span bound as `span`. The library is imported
 * only when a rule set has CEL, and each expression is parsed and planned once. A syntax error throws (the
 * caller reports it with the file and rule); at evaluation an error (a missing key, a type mismatch) or a
 * result that is not a bool does not match and is left in `ctx.error`.
 */
export async function celCompiler(): Promise<(expr: string) => { predicate: Predicate } | { syntaxError: string }> {
  loaded ??= makeCompiler();
  return loaded;
}

let loaded: ReturnType<typeof makeCompiler> | undefined;
let ready: Awaited<ReturnType<typeof makeCompiler>> | undefined;

/** The compiler when CEL has been loaded already in this process (so that compiling needs no await), else undefined. */
export function loadedCelCompiler(): Awaited<ReturnType<typeof makeCompiler>> | undefined {
  return ready;
}

async function makeCompiler(): Promise<(expr: string) => { predicate: Predicate } | { syntaxError: string }> {
  const { celEnv, celList, celMap, isCelError, parse, plan } = await import('@bufbuild/cel');
  // A plain object is converted to a CEL map (a copy of its entries) each time an expression reads it; the
  // span is converted once per evaluation instead, deeply, into the library's own maps and lists.
  const toCel = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return celList(v.map(toCel) as never[]);
    const map = new Map<string, unknown>();
    for (const key of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[key];
      if (x !== undefined) map.set(key, toCel(x));
    }
    return celMap(map as never);
  };
  const { strings } = await import('@bufbuild/cel/ext');
  const env = celEnv({ funcs: strings });
  ready = (expr) => {
    let program: ReturnType<typeof plan>;
    try {
      program = plan(env, parse(expr));
    } catch (e) {
      return { syntaxError: (e as Error).message };
    }
    // one bindings object per expression, reused: evaluation is synchronous
    const bindings = { span: undefined as unknown };
    const predicate: Predicate = (span, ctx) => {
      bindings.span = ctx.celSpan ??= toCel(span);
      const result = program(bindings as never);
      if (result === true) return true;
      if (result === false) return false;
      ctx.error = isCelError(result) ? result.message : `the expression gave ${describe(result)}, not a bool`;
      return false;
    };
    return { predicate };
  };
  return ready;
}

export type CelCompiler = Awaited<ReturnType<typeof celCompiler>>;

/** Adapts a CEL compiler to `compileCondition`, turning a syntax error into the caller's error. */
export function celCompile(compiler: CelCompiler, onSyntaxError: (message: string) => never): CelCompile {
  return (expr) => {
    const r = compiler(expr);
    if ('syntaxError' in r) onSyntaxError(r.syntaxError);
    return r.predicate;
  };
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `the int ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a list or map' : `${typeof value} ${String(value)}`;
}
