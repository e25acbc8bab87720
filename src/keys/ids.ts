// Key names, versions and identifiers: checked before they go into a URL path, so a name can never
// change which resource (or which host) a request reaches.
import type { KeyVaultClient } from "../client.js";
import { KeyVaultClientError } from "../errors.js";
import { describe, invalid } from "../input.js";

/** A `KeyVaultClientError` with code `ERR_INVALID_INPUT` (the one of input.ts). */
export { invalid };

const NAME = /^[0-9A-Za-z-]{1,127}$/;
// Versions are 32 hex characters today; accept any plain token so a new format still works.
const VERSION = /^[0-9A-Za-z-]{1,128}$/;

/**
 * A key addressed by name and (optionally) version.
 * @example
 * const { name, version }: KeyAddress = parseKeyId(kid);
 */
export interface KeyAddress {
  name: string;
  /** "" for the newest version. */
  version: string;
}

/**
 * The parts of a key identifier (`kid`).
 * @example
 * const { vaultUrl, collection, name, version }: ParsedKeyId = parseKeyId("https://myvault.vault.azure.net/keys/signer/0123abcd");
 */
export interface ParsedKeyId extends KeyAddress {
  vaultUrl: string;
  /** `keys` or `deletedkeys`. */
  collection: string;
}

const SERVICE_ID = /^(https:\/\/[a-z0-9.-]+(?::\d+)?)\/([A-Za-z]+)\/([0-9A-Za-z-]+)(?:\/([0-9A-Za-z-]*))?$/;

/**
 * Splits a key identifier into vault, name and version.
 * @example
 * parseKeyId("https://v.vault.azure.net/keys/k/0123abcd")
 * // { vaultUrl: "https://v.vault.azure.net", collection: "keys", name: "k", version: "0123abcd" }
 */
export function parseKeyId(id: string): ParsedKeyId {
  // The service's own ids (https, lower-case host, no query): read without a URL parser, which is
  // the dearest step of turning an answer into a key.
  const m = typeof id === "string" ? SERVICE_ID.exec(id) : null;
  if (m) return { vaultUrl: m[1]!.replace(/:443$/, ""), collection: m[2]!, name: m[3]!, version: m[4] ?? "" };
  // The message shows what the id is, not what it says: an id read from an answer may be anything, a token too.
  const refused = () => invalid(`not a key identifier (https://{vault}/keys/{name}[/{version}]); got ${describe(id)}`);
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw refused();
  }
  const parts = url.pathname.split("/").filter(Boolean);
  const [collection, name, version = ""] = parts;
  if (!collection || !name || parts.length > 3) throw refused();
  return { vaultUrl: url.origin, collection, name, version };
}

/**
 * Resolves how callers name a key: `"name"`, `"name/version"` or a full key identifier (which must
 * belong to the client's vault). An explicit `version` wins over one in `key`.
 */
export function resolveKey(client: Pick<KeyVaultClient, "vaultUrl" | "vaultOrigin">, key: string, version?: string): KeyAddress {
  if (typeof key !== "string" || key === "") throw invalid(`a key name or identifier is required; got ${describe(key)}`);
  let name: string, v: string;
  if (/^https?:\/\//i.test(key)) {
    const parsed = parseKeyId(key);
    if (!isOwnOrigin(client, parsed.vaultUrl)) {
      throw new KeyVaultClientError("ERR_FOREIGN_ORIGIN", `key ${parsed.name}: ${parsed.vaultUrl} is not the vault ${client.vaultOrigin}`);
    }
    name = parsed.name;
    v = parsed.version;
  } else {
    // "name" or "name/version": everything after the first slash is the version
    [name, v = ""] = key.split(/\/([^]*)/) as [string, string?];
  }
  if (version !== undefined && version !== "") v = version;
  checkName(name);
  if (v !== "" && !VERSION.test(v)) throw invalid(`invalid key version ${JSON.stringify(v.slice(0, 200))}`);
  return { name, version: v };
}

/** Whether an origin is the client's vault: its URL's origin, or the `vaultOrigin` behind a proxy. */
export function isOwnOrigin(client: Pick<KeyVaultClient, "vaultUrl" | "vaultOrigin">, origin: string): boolean {
  const o = origin.toLowerCase();
  return o === client.vaultOrigin.toLowerCase() || o === new URL(client.vaultUrl).origin.toLowerCase();
}

/** Throws `ERR_INVALID_INPUT` unless `name` is 1 to 127 letters, digits and dashes. */
export function checkName(name: string): void {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw invalid(
      `invalid key name ${typeof name === "string" ? JSON.stringify(name.slice(0, 200)) : describe(name)}: use 1 to 127 letters, digits and dashes`,
    );
  }
}

/** `/keys/{name}[/{version}][/{action}]`, parts already checked. */
export function keyPath(address: KeyAddress, action?: string): string {
  return `/keys/${address.name}${address.version ? "/" + address.version : ""}${action ? "/" + action : ""}`;
}

/** The identifier of an address in a vault: `https://vault/keys/name[/version]`. */
export function keyIdOf(vaultUrl: string, address: KeyAddress): string {
  return vaultUrl.replace(/\/+$/, "") + keyPath(address);
}
