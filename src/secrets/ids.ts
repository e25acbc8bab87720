// Secret names, versions and identifiers: checked before they go into a URL path, so a name can
// never change which resource (or which host) a request reaches.
import type { KeyVaultClient } from "../client.js";
import { KeyVaultClientError } from "../errors.js";
import { describe } from "../input.js";

const NAME = /^[0-9A-Za-z-]{1,127}$/;
// Versions are 32 hex characters today; accept any plain token so a new format still works.
const VERSION = /^[0-9A-Za-z-]{1,128}$/;

/**
 * A secret addressed by name and (optionally) version.
 * @example
 * const { name, version }: SecretAddress = parseSecretId(secret.properties.id);
 */
export interface SecretAddress {
  name: string;
  /** "" for the newest version. */
  version: string;
}

/**
 * The parts of a secret identifier.
 * @example
 * const { vaultUrl, name, version }: ParsedSecretId = parseSecretId("https://myvault.vault.azure.net/secrets/db-password/0123abcd");
 */
export interface ParsedSecretId extends SecretAddress {
  /** The identifier as given. */
  sourceId: string;
  vaultUrl: string;
  /** `secrets` or `deletedsecrets`. */
  collection: string;
}

/**
 * Splits a secret identifier into vault, name and version (the `parseKeyVaultSecretIdentifier` of
 * `@azure/keyvault-secrets`).
 * @example
 * parseSecretId("https://v.vault.azure.net/secrets/db/0123abcd")
 * // { sourceId: "https://v.vault.azure.net/secrets/db/0123abcd", vaultUrl: "https://v.vault.azure.net", collection: "secrets", name: "db", version: "0123abcd" }
 */
export function parseSecretId(id: string): ParsedSecretId {
  // The message shows what the id is, not what it says: an id read from an answer may be anything, a token too.
  const shown = `got ${describe(id)}`;
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw invalid(`not a secret identifier (https://{vault}/secrets/{name}[/{version}]); ${shown}`);
  }
  const parts = url.pathname.split("/").filter(Boolean);
  const [collection = "", name = "", version = ""] = parts;
  if (!/^(deleted)?secrets$/i.test(collection) || !NAME.test(name) || parts.length > 3 || (version && !VERSION.test(version))) {
    throw invalid(`not a secret identifier (https://{vault}/secrets/{name}[/{version}]); ${shown}`);
  }
  return { sourceId: id, vaultUrl: url.origin, collection: collection.toLowerCase(), name, version };
}

/**
 * Resolves how callers name a secret: `"name"`, `"name/version"` or a full secret identifier (which
 * must belong to the client's vault). An explicit `version` wins over one in `secret`.
 */
export function resolveSecret(client: Pick<KeyVaultClient, "vaultUrl" | "vaultOrigin">, secret: string, version?: string): SecretAddress {
  if (typeof secret !== "string" || secret === "") throw invalid(`a secret name or identifier is required; got ${describe(secret)}`);
  let name: string, v: string;
  if (/^https?:\/\//i.test(secret)) {
    const parsed = parseSecretId(secret);
    // The client's vault: its URL's origin, or the `vaultOrigin` it reaches through a proxy.
    const o = parsed.vaultUrl.toLowerCase();
    if (o !== client.vaultOrigin.toLowerCase() && o !== new URL(client.vaultUrl).origin.toLowerCase()) {
      throw new KeyVaultClientError(
        "ERR_FOREIGN_ORIGIN",
        `secret ${parsed.name} belongs to ${parsed.vaultUrl}, not to this client's vault ${client.vaultOrigin}`,
      );
    }
    name = parsed.name;
    v = parsed.version;
  } else {
    const slash = secret.indexOf("/");
    name = slash < 0 ? secret : secret.slice(0, slash);
    v = slash < 0 ? "" : secret.slice(slash + 1);
  }
  if (version !== undefined && version !== "") v = version;
  checkSecretName(name);
  if (v !== "" && !VERSION.test(v)) throw invalid(`invalid secret version ${JSON.stringify(v.slice(0, 200))}`);
  return { name, version: v };
}

/** Throws `ERR_INVALID_INPUT` unless `name` is 1 to 127 letters, digits and dashes. */
export function checkSecretName(name: string): void {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw invalid(
      `invalid secret name ${typeof name === "string" ? JSON.stringify(name.slice(0, 200)) : describe(name)}: use 1 to 127 letters, digits and dashes`,
    );
  }
}

/** `/secrets/{name}[/{version}]`, parts already checked. */
export function secretPath(address: SecretAddress): string {
  return `/secrets/${address.name}${address.version ? "/" + address.version : ""}`;
}

// What a value is, for messages that must never show a secret: its kind only.
export { describe };

/** A `KeyVaultClientError` with code `ERR_INVALID_INPUT`. */
export function invalid(message: string): KeyVaultClientError {
  return new KeyVaultClientError("ERR_INVALID_INPUT", message);
}
