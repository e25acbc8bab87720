// Reading and writing secrets: get (newest or a version), set (a new version each time), update
// (properties of one version), backup and restore.
import type { KeyVaultClient } from "../client.js";
import { base64UrlDecode, base64UrlEncode, utf8Encode } from "../encoding.js";
import { send } from "./http.js";
import { checkSecretName, describe, invalid, resolveSecret, secretPath, type SecretAddress } from "./ids.js";
import { unixSeconds } from "../model.js";
import { toSecret, toSecretProperties, type RestSecret, type RestSecretAttributes } from "./model.js";
import type { KeyVaultSecret, OperationOptions, SecretContentType, SecretProperties } from "./types.js";
import { badAnswer, checkClient, optionsOf } from "../input.js";
import { begin } from "../request.js";

/**
 * The service's limit on a secret's value: 25 KB, counted in UTF-8 bytes.
 * @example
 * const certificate = await (await fetch("https://example.com/chain.pem")).text();
 * if (new TextEncoder().encode(certificate).length > MAX_SECRET_BYTES) throw new Error("too large for one secret: split it, or keep it in blob storage");
 */
export const MAX_SECRET_BYTES = 25_600;

/**
 * Options of {@link getSecret}.
 * @example
 * const options: GetSecretOptions = { outContentType: "application/x-pem-file" }; // a certificate's PFX as PEM
 * const { value: pem } = await getSecret(client, "tls-certificate", options);
 */
export interface GetSecretOptions extends OperationOptions {
  /** A version (default: the newest; may also be given in `name` as `"name/version"` or an identifier). */
  version?: string;
  /** Ask the service to convert a certificate's secret: `application/x-pem-file` turns a PFX into PEM. */
  outContentType?: SecretContentType;
}

/**
 * Settable properties of a secret version.
 * @example
 * const input: SecretPropertiesInput = { contentType: "text/plain", tags: { owner: "payments" }, expiresOn: new Date("2027-01-01") };
 * await setSecret(client, "db-password", "hunter2", input);
 */
export interface SecretPropertiesInput {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  notBefore?: Date;
  expiresOn?: Date;
}

/**
 * Options of {@link setSecret}.
 * @example
 * const options: SetSecretOptions = { contentType: "application/json", enabled: true };
 * await setSecret(client, "feature-flags", JSON.stringify({ beta: true }), options);
 */
export interface SetSecretOptions extends SecretPropertiesInput, OperationOptions {}

/**
 * Options of {@link updateSecretProperties}: what to change (anything left out stays as it is).
 * @example
 * const changes: UpdateSecretPropertiesOptions = { enabled: false, tags: { retired: "2026-05" } };
 * await updateSecretProperties(client, "old-password", "", changes);
 */
export interface UpdateSecretPropertiesOptions extends SecretPropertiesInput, OperationOptions {}

function options<T extends object>(value: T | undefined, fn: string, hint: string): T {
  if (value === undefined || value === null) return {} as T;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(`${fn} takes an options object${hint}; got ${describe(value)}`);
  return optionsOf(value, fn);
}

/**
 * Reads a secret: its value and properties. The newest version unless `version` (or `name` as
 * `"name/version"` or a full secret identifier of the client's vault).
 * @example
 * const { value } = await getSecret(client, "db-password");
 * const pinned = await getSecret(client, "db-password", { version: "0123456789abcdef0123456789abcdef" });
 */
export function getSecret(client: KeyVaultClient, name: string, opts?: GetSecretOptions): Promise<KeyVaultSecret> {
  return begin(() => {
    checkClient(client, "getSecret");
    const o = options(
      opts,
      "getSecret",
      ` ({ version, outContentType, signal })${typeof opts === "string" ? `: for a version pass { version: "…" }` : ""}`,
    );
    const address = resolveSecret(client, name, o.version);
    if (o.outContentType !== undefined && typeof o.outContentType !== "string") throw invalid("outContentType must be a string");
    return readSecret(client, address, o).then(toSecret);
  });
}

/** GET of one secret, as the wire sends it (the cache keeps this shape). */
export function readSecret(
  client: KeyVaultClient,
  address: SecretAddress,
  o: { signal?: AbortSignal; outContentType?: string } = {},
): Promise<RestSecret> {
  // The SDKs ask for the newest version as `/secrets/{name}/`; so do we (as recorded).
  const path = address.version ? secretPath(address) : `${secretPath(address)}/`;
  const query = o.outContentType ? { outContentType: o.outContentType } : undefined;
  return send<RestSecret>(client, "GET", path, undefined, { ...(o.signal ? { signal: o.signal } : {}), ...(query ? { query } : {}) });
}

function checkProperties(o: SecretPropertiesInput): void {
  if (o.contentType !== undefined && (typeof o.contentType !== "string" || o.contentType.length > 255))
    throw invalid("contentType must be a string of at most 255 characters");
  if (o.enabled !== undefined && typeof o.enabled !== "boolean") throw invalid(`enabled must be a boolean; got ${describe(o.enabled)}`);
  if (o.tags !== undefined) {
    if (!o.tags || typeof o.tags !== "object" || Array.isArray(o.tags))
      throw invalid(`tags must be an object of strings; got ${describe(o.tags)}`);
    for (const [k, v] of Object.entries(o.tags))
      if (typeof v !== "string") throw invalid(`tag ${JSON.stringify(k)} must have a string value; got ${describe(v)}`);
  }
}

function attributes(o: SecretPropertiesInput): RestSecretAttributes {
  const a: RestSecretAttributes = {};
  if (o.enabled !== undefined) a.enabled = o.enabled;
  if (o.notBefore !== undefined) a.nbf = unixSeconds(o.notBefore, "notBefore");
  if (o.expiresOn !== undefined) a.exp = unixSeconds(o.expiresOn, "expiresOn");
  return a;
}

/**
 * Stores a value under a name: a new version, the newest from now on. Not repeated on 5xx or a lost
 * answer (each set makes a version); repeated on 429, where the service says it did nothing.
 * @example
 * const secret = await setSecret(client, "db-password", "hunter2", { contentType: "text/plain", expiresOn: new Date("2027-01-01") });
 * secret.properties.version; // the new version
 */
export async function setSecret(client: KeyVaultClient, name: string, value: string, opts?: SetSecretOptions): Promise<KeyVaultSecret> {
  checkClient(client, "setSecret");
  checkSecretName(name);
  if (typeof value !== "string")
    throw invalid(
      `setSecret needs the value as a string; got ${describe(value)}${(value as unknown) instanceof Uint8Array ? " (encode bytes first, e.g. base64)" : ""}`,
    );
  const size = utf8Encode(value).length;
  if (size > MAX_SECRET_BYTES) throw invalid(`a secret's value is at most ${MAX_SECRET_BYTES} bytes (UTF-8); this one is ${size}`);
  const o = options(opts, "setSecret", " ({ contentType, tags, enabled, notBefore, expiresOn, signal })");
  checkProperties(o);
  const body: { value: string; contentType?: string; tags?: Record<string, string>; attributes: RestSecretAttributes } = {
    value,
    attributes: attributes(o),
  };
  if (o.contentType !== undefined) body.contentType = o.contentType;
  if (o.tags !== undefined) body.tags = o.tags;
  return toSecret(
    await send<RestSecret>(client, "PUT", `/secrets/${name}`, body, { ...(o.signal ? { signal: o.signal } : {}), idempotent: false }),
  );
}

/**
 * Changes the properties of one version (not its value: {@link setSecret} makes a new version).
 * `version` is "" for the newest, as in `@azure/keyvault-secrets`' `updateSecretProperties(name, version, options)`.
 * @example
 * await updateSecretProperties(client, "db-password", "", { enabled: false });
 * await updateSecretProperties(client, "db-password", secret.properties.version, { tags: { rotated: "2026-05" } });
 */
export async function updateSecretProperties(
  client: KeyVaultClient,
  name: string,
  version: string,
  opts: UpdateSecretPropertiesOptions,
): Promise<SecretProperties> {
  checkClient(client, "updateSecretProperties");
  if (typeof version !== "string") {
    throw invalid(
      `updateSecretProperties(client, name, version, options): the third argument is the version ("" for the newest); got ${describe(version)}${version && typeof version === "object" ? ", as if it were the options" : ""}`,
    );
  }
  const address = resolveSecret(client, name, version);
  const o = options(opts, "updateSecretProperties", " ({ contentType, tags, enabled, notBefore, expiresOn, signal })");
  checkProperties(o);
  const a = attributes(o);
  const body: { contentType?: string; tags?: Record<string, string>; attributes?: RestSecretAttributes } = {};
  if (o.contentType !== undefined) body.contentType = o.contentType;
  if (o.tags !== undefined) body.tags = o.tags;
  if (Object.keys(a).length) body.attributes = a;
  if (!Object.keys(body).length)
    throw invalid("updateSecretProperties needs something to change: contentType, tags, enabled, notBefore or expiresOn");
  const path = address.version ? secretPath(address) : `${secretPath(address)}/`;
  return toSecretProperties(await send<RestSecret>(client, "PATCH", path, body, o.signal ? { signal: o.signal } : {}));
}

/**
 * Backs up a secret with all its versions: an opaque blob that only a vault of the same
 * subscription and geography restores.
 * @example const blob = await backupSecret(client, "db-password"); // Uint8Array
 */
export async function backupSecret(client: KeyVaultClient, name: string, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> {
  checkClient(client, "backupSecret");
  checkSecretName(name);
  const opts = optionsOf(options, "backupSecret");
  const res = await send<{ value?: string }>(
    client,
    "POST",
    `/secrets/${name}/backup`,
    undefined,
    opts.signal ? { signal: opts.signal } : {},
  );
  if (typeof res?.value !== "string") throw badAnswer("(a backup) has no value");
  return base64UrlDecode(res.value);
}

/**
 * Restores a secret from {@link backupSecret}'s blob; its name must be free (purge a deleted one
 * first: right after a purge the service may answer 409 for a few seconds). Retried only on 429.
 * @example const props = await restoreSecretBackup(client, blob);
 */
export async function restoreSecretBackup(
  client: KeyVaultClient,
  backup: Uint8Array,
  options?: OperationOptions,
): Promise<SecretProperties> {
  checkClient(client, "restoreSecretBackup");
  const opts = optionsOf(options, "restoreSecretBackup");
  if (!(backup instanceof Uint8Array) || backup.length === 0)
    throw invalid(`restoreSecretBackup needs the backup as non-empty bytes (Uint8Array); got ${describe(backup)}`);
  return toSecretProperties(
    await send<RestSecret>(
      client,
      "POST",
      "/secrets/restore",
      { value: base64UrlEncode(backup) },
      { ...(opts.signal ? { signal: opts.signal } : {}), idempotent: false },
    ),
  );
}
