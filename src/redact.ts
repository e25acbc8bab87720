// Keeps credentials out of error text. Anything we put in an error (a provider's message, a
// network error, a service's answer) passes through here first: known tokens, JWT-shaped text and
// `Bearer …` values are replaced, whatever else the text says stays readable.

const JWT = /eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g;
const BEARER = /\b(bearer|pop)\s+[^\s"',;]+/gi;

/**
 * `text` with every `secrets` entry, JWT-shaped run and `Bearer <value>` replaced by `[redacted]`.
 * @example redact("refresh failed for eyJhbGciOi.eyJzdWIi.c2ln") // "refresh failed for [redacted]"
 */
export function redact(text: string, secrets?: readonly (string | undefined)[]): string {
  let out = String(text);
  if (secrets) for (const s of secrets) if (s && s.length >= 4) out = out.replaceAll(s, "[redacted]");
  return out.replace(JWT, "[redacted]").replace(BEARER, "$1 [redacted]");
}

/**
 * A safe stand-in for a foreign error: an `Error` with the same name, `code` and `status` and a
 * redacted message, its own `cause` chain redacted the same way (three levels). Its stack is ours, so
 * no frame text of the original (which may quote a header) comes along.
 */
export function redactError(error: unknown, secrets?: readonly (string | undefined)[], depth = 0): Error {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; status?: unknown; cause?: unknown };
  const isObject = !!e && typeof e === "object";
  const clip = (text: unknown) => redact(String(text), secrets).slice(0, 100);
  const out = new Error(redact(String((isObject || error instanceof Error ? e.message : error) ?? ""), secrets)) as Error & {
    code?: string;
    status?: number;
  };
  if (isObject) {
    if (typeof e.name === "string") out.name = clip(e.name);
    if (typeof e.code === "string" || typeof e.code === "number") out.code = clip(e.code);
    if (typeof e.status === "number") out.status = e.status;
    if (e.cause !== undefined && depth < 2) (out as { cause?: unknown }).cause = redactError(e.cause, secrets, depth + 1);
  }
  return out;
}

/** Whether nothing reachable from an error (message, stack, JSON, its cause chain) needs redacting. */
export function isClean(error: unknown, secrets?: readonly (string | undefined)[], depth = 0): boolean {
  if (!(error instanceof Error) || depth > 2) return false;
  let json: string | undefined;
  try {
    json = JSON.stringify(error);
  } catch {
    return false;
  }
  const cause = (error as { cause?: unknown }).cause;
  return (
    [error.message, String(error.stack), json ?? ""].every((text) => redact(text, secrets) === text) &&
    (cause === undefined || isClean(cause, secrets, depth + 1))
  );
}

/** A JSON value with every string in it redacted (for error bodies that echo what they were sent). */
export function redactDeep(value: unknown, secrets?: readonly (string | undefined)[], depth = 0): unknown {
  if (typeof value === "string") return redact(value, secrets);
  if (!value || typeof value !== "object" || depth > 20) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets, depth + 1));
  // fromEntries defines its properties: a key named "__proto__" stays a plain key, as JSON.parse made it
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k, secrets), redactDeep(v, secrets, depth + 1)]));
}
