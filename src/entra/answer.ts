// What comes back from a token endpoint, made safe to keep: the body read with a size cap, every
// form in which an authority (or anything in between) might echo the credentials it was sent, and
// only the GUID-shaped ids of its error fields.
import { base64Encode, utf8Encode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import { readCapped } from "../read-capped.js";

/**
 * The largest token-endpoint answer read, in bytes (a token answer is a few KB; an error page rarely more).
 * @example
 * console.log(`token answers over ${MAX_TOKEN_ANSWER_BYTES} bytes are refused`);
 */
export const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/** The answer's text, read up to {@link MAX_TOKEN_ANSWER_BYTES}; a longer one is refused, a broken one is "". */
export async function readAnswer(response: Response, url: URL): Promise<string> {
  if (!response.body) return "";
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readCapped(response.body, MAX_TOKEN_ANSWER_BYTES);
  } catch {
    return "";
  }
  if (!bytes)
    throw new KeyVaultClientError(
      "ERR_INVALID_RESPONSE",
      `the token endpoint at ${url.origin} answered ${response.status} with more than ${MAX_TOKEN_ANSWER_BYTES} bytes`,
    );
  return new TextDecoder().decode(bytes);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A trace or correlation id the authority gave, if it is GUID-shaped (anything else may be an echo). */
export function guidOf(value: unknown): string | undefined {
  return typeof value === "string" && GUID.test(value) ? value : undefined;
}

/** JSON string escaping, once as JSON.stringify writes it and once ASCII-only with `\/` (as other serializers do). */
const jsonForms = (text: string): string[] => {
  const plain = JSON.stringify(text).slice(1, -1);
  const ascii = plain.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).replaceAll("/", "\\/");
  return [plain, ascii];
};

/**
 * The base64 of `text` as it shows inside a longer base64 text, at each of the three byte
 * alignments: only the characters that depend on `text` alone (the first group of an unaligned
 * copy and the last partial group mix with the bytes around it, and are left out).
 */
function base64Cores(text: string): string[] {
  const bytes = utf8Encode(text);
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const whole = Math.floor(padded.length / 3) * 4;
    const core = base64Encode(padded).slice(shift ? 4 : 0, whole);
    if (core.length >= 8) out.push(core, core.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return out;
}

const hex = (text: string): string => Array.from(utf8Encode(text), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * Every form of each secret an echo may carry: as is; URL-encoded (as a form body, as a URI
 * component, twice, with lower-case escapes); JSON-escaped; each of those inside base64 or
 * base64url text at any alignment; and hex. Longest first, so a longer form is replaced whole.
 */
export function echoForms(secrets: readonly (string | undefined)[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    const form = new URLSearchParams({ s: secret }).toString().slice(2);
    const uri = encodeURIComponent(secret);
    const encoded = [secret, form, uri, encodeURIComponent(uri)];
    for (const e of [...encoded]) encoded.push(e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    for (const e of [...encoded]) encoded.push(...jsonForms(e));
    for (const e of encoded) {
      forms.add(e);
      for (const b of base64Cores(e)) forms.add(b);
    }
    forms.add(hex(secret));
    forms.add(hex(secret).toUpperCase());
  }
  return [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}
