// Assertions that work in every runtime (node:assert is not available in workerd or browsers).
export class AssertionError extends Error {
  override name = "AssertionError";
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})[${Array.from(v.slice(0, 16)).join(",")}${v.length > 16 ? ",…" : ""}]`;
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
    return s === undefined ? String(v) : s.length > 400 ? s.slice(0, 400) + "…" : s;
  } catch {
    return String(v);
  }
}

export function ok(value: unknown, message?: string): asserts value {
  if (!value) throw new AssertionError(message ?? `expected a truthy value, got ${show(value)}`);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected))
    throw new AssertionError(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
}

export function notEqual<T>(actual: T, expected: T, message?: string): void {
  if (Object.is(actual, expected))
    throw new AssertionError(`${message ? message + ": " : ""}expected something other than ${show(expected)}`);
}

export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => isDeepEqual((a as any)[k], (b as any)[k]));
}

export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!isDeepEqual(actual, expected))
    throw new AssertionError(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
}

export function match(actual: string, re: RegExp, message?: string): void {
  if (!re.test(actual)) throw new AssertionError(`${message ? message + ": " : ""}expected ${show(actual)} to match ${re}`);
}

/** Asserts that fn throws or rejects; checks `name`, `code`, `status` and message pattern when given. Returns the error. */
export async function rejects(
  fn: () => unknown,
  expected: { name?: string; code?: string; status?: number; message?: RegExp } = {},
  message?: string,
): Promise<any> {
  let error: any;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  const pre = message ? message + ": " : "";
  if (error === undefined) throw new AssertionError(`${pre}expected a rejection, but it resolved`);
  if (expected.name !== undefined && error?.name !== expected.name)
    throw new AssertionError(`${pre}expected error name ${expected.name}, got ${error?.name}: ${error?.message}`);
  if (expected.code !== undefined && error?.code !== expected.code)
    throw new AssertionError(`${pre}expected error code ${expected.code}, got ${error?.code}: ${error?.message}`);
  if (expected.status !== undefined && error?.status !== expected.status)
    throw new AssertionError(`${pre}expected status ${expected.status}, got ${error?.status}: ${error?.message}`);
  if (expected.message && !expected.message.test(String(error?.message)))
    throw new AssertionError(`${pre}expected message to match ${expected.message}, got ${show(error?.message)}`);
  return error;
}
