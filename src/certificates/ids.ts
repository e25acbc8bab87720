// Certificate and issuer names, versions and identifiers: checked before they go into a URL path,
// so a name can never change which resource (or which host) a request reaches.
import type { KeyVaultClient } from "../client.js";
import { KeyVaultClientError } from "../errors.js";
import { describe, invalid } from "../input.js";

const NAME = /^[0-9A-Za-z-]{1,127}$/;
const VERSION = /^[0-9A-Za-z-]{1,128}$/;

/** Throws `ERR_INVALID_INPUT` unless `name` is 1 to 127 letters, digits and dashes. */
export function checkName(name: unknown, what = "certificate"): asserts name is string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw invalid(
      `invalid ${what} name ${typeof name === "string" ? JSON.stringify(name.slice(0, 200)) : describe(name)}: use 1 to 127 letters, digits and dashes`,
    );
  }
}

/** Throws `ERR_INVALID_INPUT` unless `version` is undefined, "" or a version token. */
export function checkCertificateVersion(version: unknown, fn: string): asserts version is string | undefined {
  if (version === undefined || version === "") return;
  if (typeof version !== "string" || !VERSION.test(version))
    throw invalid(
      `${fn}: the version must be a version string ("" or left out for the newest); got ${typeof version === "string" ? JSON.stringify(version.slice(0, 200)) : describe(version)}`,
    );
}

/**
 * The parts of a certificate identifier.
 * @example
 * const { vaultUrl, name, version }: ParsedCertificateId = parseCertificateId("https://myvault.vault.azure.net/certificates/api-tls/0123abcd");
 */
export interface ParsedCertificateId {
  sourceId: string;
  vaultUrl: string;
  /** `certificates` or `deletedcertificates`. */
  collection: string;
  name: string;
  /** "" when the identifier names no version. */
  version: string;
}

/**
 * Splits a certificate identifier (`https://{vault}/certificates/{name}[/{version}]`) into its
 * parts (the `parseKeyVaultCertificateIdentifier` of `@azure/keyvault-certificates`).
 * @example
 * parseCertificateId("https://v.vault.azure.net/certificates/api-tls/0123abcd").version; // "0123abcd"
 */
export function parseCertificateId(id: string): ParsedCertificateId {
  const bad = () => invalid(`not a certificate identifier (https://{vault}/certificates/{name}[/{version}]); got ${describe(id)}`);
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw bad();
  }
  const parts = url.pathname.split("/").filter(Boolean);
  const [collection = "", name = "", version = ""] = parts;
  if (!/^(deleted)?certificates$/i.test(collection) || !NAME.test(name) || parts.length > 3 || (version && !VERSION.test(version)))
    throw bad();
  return { sourceId: id, vaultUrl: url.origin, collection: collection.toLowerCase(), name, version };
}

/** The name (and version) a caller means: a name, or an identifier of the client's own vault. */
export function resolveCertificate(client: KeyVaultClient, certificate: unknown, version?: string): { name: string; version: string } {
  if (typeof certificate === "string" && /^https?:\/\//i.test(certificate)) {
    const parsed = parseCertificateId(certificate);
    const o = parsed.vaultUrl.toLowerCase();
    if (o !== client.vaultOrigin.toLowerCase() && o !== new URL(client.vaultUrl).origin.toLowerCase())
      throw new KeyVaultClientError(
        "ERR_FOREIGN_ORIGIN",
        `certificate ${parsed.name} belongs to ${parsed.vaultUrl}, not to this client's vault ${client.vaultOrigin}`,
      );
    return { name: parsed.name, version: version || parsed.version };
  }
  checkName(certificate);
  return { name: certificate, version: version ?? "" };
}

/** The name at the end of an identifier (`…/certificates/issuers/{name}`, `…/certificates/{name}/pending`). */
export function nameIn(id: string, index: number): string | undefined {
  try {
    return new URL(id).pathname.split("/").filter(Boolean)[index];
  } catch {
    return undefined;
  }
}
