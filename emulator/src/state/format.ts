// The state file: a versioned JSON envelope around the emulator's state. In the clear it carries a
// SHA-256 of its payload (so a damaged file is refused, not half-read); with a key, the payload is
// AES-256-GCM ciphertext under a key given as 32 raw bytes or derived from a passphrase with
// PBKDF2-SHA-256, the envelope's header bound to it as additional data. Web Crypto only.
import { b64url, buf, fromB64, fromUtf8, randomBytes, utf8 } from "../bytes.js";
import { inputError } from "../errors.js";

/** The `format` member every state file starts with. */
export const STATE_FORMAT = "keyvault-fetch-emulator-state";
/** The version this build writes (and the newest it reads). */
export const STATE_VERSION = 1;
/** PBKDF2 iterations for passphrases (OWASP's 2023 figure for PBKDF2-SHA-256). */
export const DEFAULT_KDF_ITERATIONS = 600_000;

/**
 * Why a state file was refused.
 * @example
 * try { await openEmulator({ persistence: { storage: { read: async () => "{}", write: async () => {} } } }) }
 * catch (e) {
 *   const code: EmulatorStateErrorCode | undefined = e instanceof EmulatorStateError ? e.code : undefined;
 *   if (code === "ERR_STATE_FOREIGN") console.error("that file is no emulator state");
 * }
 */
export type EmulatorStateErrorCode = "ERR_STATE_FOREIGN" | "ERR_STATE_CORRUPT" | "ERR_STATE_VERSION" | "ERR_STATE_KEY";

/**
 * A state file the emulator will not use (and so never overwrites).
 * @example
 * const storage = { read: async () => "not a state file", write: async (text: string) => {} };
 * try { await openEmulator({ persistence: { storage } }) }
 * catch (e) { if (e instanceof EmulatorStateError) console.error(e.code, e.message) } // ERR_STATE_FOREIGN
 */
export class EmulatorStateError extends Error {
  override name = "EmulatorStateError";
  constructor(
    readonly code: EmulatorStateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The key that protects a state file: a passphrase, or 32 raw bytes.
 * @example
 * const key: StateKey = crypto.getRandomValues(new Uint8Array(32)); // or a passphrase string
 * const emulator = await openEmulator({ persistence: { storage: { read: async () => undefined, write: async () => {} }, key } });
 */
export type StateKey = string | Uint8Array;

/** The key, ready to use, with what the envelope records about it. */
export interface PreparedKey {
  key: CryptoKey;
  header: KeyHeader;
}
type KeyHeader = { kdf: "raw" } | { kdf: "PBKDF2-SHA256"; iterations: number; salt: string };

interface Envelope {
  format: string;
  version: number;
  savedAt?: string;
  protection: null | { alg: "A256GCM"; key: KeyHeader; iv: string };
  sha256?: string;
  payload: unknown;
}

/** Makes (or, given a file's header, re-makes) the AES-GCM key from the user's key. */
export async function prepareKey(key: StateKey, header?: KeyHeader, iterations = DEFAULT_KDF_ITERATIONS): Promise<PreparedKey> {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw inputError("state key: raw keys are 32 bytes (AES-256); give a passphrase string otherwise");
    if (header && header.kdf !== "raw")
      throw new EmulatorStateError("ERR_STATE_KEY", "the state file is protected by a passphrase, and a raw key was given");
    return { key: await crypto.subtle.importKey("raw", buf(key), "AES-GCM", false, ["encrypt", "decrypt"]), header: { kdf: "raw" } };
  }
  if (typeof key !== "string" || key.length === 0) throw inputError("state key: give a non-empty passphrase or 32 raw bytes");
  if (header && header.kdf !== "PBKDF2-SHA256")
    throw new EmulatorStateError("ERR_STATE_KEY", "the state file is protected by a raw key, and a passphrase was given");
  const h = header ?? { kdf: "PBKDF2-SHA256" as const, iterations, salt: b64url(randomBytes(16)) };
  if (!Number.isInteger(h.iterations) || h.iterations < 1)
    throw new EmulatorStateError("ERR_STATE_CORRUPT", "the state file names an invalid PBKDF2 iteration count");
  const salt = fromB64(h.salt);
  if (!salt || salt.length < 16) throw new EmulatorStateError("ERR_STATE_CORRUPT", "the state file's PBKDF2 salt is missing or short");
  const base = await crypto.subtle.importKey("raw", buf(utf8(key)), "PBKDF2", false, ["deriveKey"]);
  const aes = await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: buf(salt), iterations: h.iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return { key: aes, header: h };
}

const aad = (header: KeyHeader) => utf8(`${STATE_FORMAT}|${STATE_VERSION}|${JSON.stringify(header)}`);

async function sha256(text: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", buf(utf8(text)))));
}

/** The state file's text for a payload: encrypted with `key`, else in the clear with a checksum. */
export async function encodeState(payload: unknown, key: PreparedKey | undefined, savedAt: Date): Promise<string> {
  const text = JSON.stringify(payload);
  if (!key) {
    const env: Envelope = {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      savedAt: savedAt.toISOString(),
      protection: null,
      sha256: await sha256(text),
      payload,
    };
    return `${JSON.stringify(env, null, 1)}\n`;
  }
  const iv = randomBytes(12);
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv: buf(iv), additionalData: buf(aad(key.header)) }, key.key, buf(utf8(text))),
  );
  const env: Envelope = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    savedAt: savedAt.toISOString(),
    protection: { alg: "A256GCM", key: key.header, iv: b64url(iv) },
    payload: b64url(ct),
  };
  return `${JSON.stringify(env)}\n`;
}

/** What decodeState found. */
export interface DecodedState {
  payload: unknown;
  encrypted: boolean;
  key?: PreparedKey;
}

/**
 * Reads a state file's text; throws EmulatorStateError for a foreign, damaged, newer or
 * wrongly-keyed file. `name` names the file in messages.
 */
export async function decodeState(
  text: string,
  key: StateKey | undefined,
  name: string,
  iterations = DEFAULT_KDF_ITERATIONS,
): Promise<DecodedState> {
  let env: Partial<Envelope>;
  try {
    env = JSON.parse(text);
  } catch {
    throw text.trim().startsWith("{") && text.includes(STATE_FORMAT)
      ? new EmulatorStateError(
          "ERR_STATE_CORRUPT",
          `${name} is a damaged keyvault-emulator state file (not valid JSON, truncated?); it was left as it is`,
        )
      : new EmulatorStateError(
          "ERR_STATE_FOREIGN",
          `${name} is not a keyvault-emulator state file; refusing to use or overwrite it (pass another file, or delete it yourself)`,
        );
  }
  if (!env || typeof env !== "object" || env.format !== STATE_FORMAT) {
    throw new EmulatorStateError(
      "ERR_STATE_FOREIGN",
      `${name} is not a keyvault-emulator state file; refusing to use or overwrite it (pass another file, or delete it yourself)`,
    );
  }
  if (typeof env.version !== "number" || env.version > STATE_VERSION) {
    throw new EmulatorStateError(
      "ERR_STATE_VERSION",
      `${name} is a state file of format version ${String(env.version)}, newer than this keyvault-fetch reads (${STATE_VERSION}); upgrade keyvault-fetch, or use another file`,
    );
  }
  const p = env.protection;
  if (p === null || p === undefined) {
    if (typeof env.sha256 !== "string" || env.payload === undefined || (await sha256(JSON.stringify(env.payload))) !== env.sha256) {
      throw new EmulatorStateError(
        "ERR_STATE_CORRUPT",
        `${name} is damaged: its contents do not match their checksum; it was left as it is`,
      );
    }
    return { payload: env.payload, encrypted: false, ...(key !== undefined ? { key: await prepareKey(key, undefined, iterations) } : {}) };
  }
  if (key === undefined)
    throw new EmulatorStateError(
      "ERR_STATE_KEY",
      `${name} is encrypted: give its key (a passphrase, or the 32-byte key it was saved with)`,
    );
  if (typeof p !== "object" || p.alg !== "A256GCM" || !p.key || typeof p.iv !== "string" || typeof env.payload !== "string") {
    throw new EmulatorStateError("ERR_STATE_CORRUPT", `${name} is damaged: its encryption header is not valid; it was left as it is`);
  }
  const prepared = await prepareKey(key, p.key);
  const iv = fromB64(p.iv),
    ct = fromB64(env.payload);
  if (!iv || iv.length !== 12 || !ct)
    throw new EmulatorStateError("ERR_STATE_CORRUPT", `${name} is damaged: its ciphertext is not valid base64url; it was left as it is`);
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-GCM", iv: buf(iv), additionalData: buf(aad(prepared.header)) }, prepared.key, buf(ct)),
    );
  } catch {
    throw new EmulatorStateError(
      "ERR_STATE_KEY",
      `${name} could not be decrypted: the key is wrong, or the file was altered; it was left as it is`,
    );
  }
  try {
    return { payload: JSON.parse(fromUtf8(plain)), encrypted: true, key: prepared };
  } catch {
    throw new EmulatorStateError("ERR_STATE_CORRUPT", `${name} is damaged: its decrypted contents are not JSON; it was left as it is`);
  }
}
