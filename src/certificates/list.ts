// Listing certificates, their versions, deleted certificates and issuers: lazy async iterables
// that follow the service's nextLink on the vault's own origin (see ../paging.ts).
import type { KeyVaultClient } from "../client.js";
import { checkClient, invalid } from "../input.js";
import { paged, type ListOptions as BaseListOptions, type PagedAsyncIterable } from "../paging.js";
import { checkName } from "./ids.js";
import { toCertificateProperties, toDeletedCertificateProperties, toIssuerProperties } from "./model.js";
import type { CertificateProperties, DeletedCertificateProperties, IssuerProperties } from "./types.js";

/**
 * Options of the list operations.
 * @example
 * const options: ListCertificatesOptions = { includePending: true, maxPageSize: 25 };
 * for await (const c of listPropertiesOfCertificates(client, options)) console.log(c.name, c.enabled);
 */
export interface ListCertificatesOptions extends BaseListOptions {
  /** Include certificates whose creation is still pending (not for version lists or issuers). */
  includePending?: boolean;
}
export type { PageSettings, PagedAsyncIterable, ListOptions } from "../paging.js";

function path(base: string, options: ListCertificatesOptions | undefined): string {
  const pending = options?.includePending;
  if (pending !== undefined && typeof pending !== "boolean") throw invalid("includePending must be a boolean");
  return pending === undefined ? base : `${base}?includePending=${pending}`;
}

/**
 * Lists the vault's certificates: each one's newest version, properties only.
 * @example for await (const c of listPropertiesOfCertificates(client)) console.log(c.name, c.expiresOn);
 */
export function listPropertiesOfCertificates(
  client: KeyVaultClient,
  options?: ListCertificatesOptions,
): PagedAsyncIterable<CertificateProperties> {
  checkClient(client, "listPropertiesOfCertificates");
  return paged(client, path("/certificates", options), toCertificateProperties, options, "listPropertiesOfCertificates");
}

/**
 * Lists the versions of one certificate.
 * @example for await (const v of listPropertiesOfCertificateVersions(client, "api-tls")) console.log(v.version, v.expiresOn);
 */
export function listPropertiesOfCertificateVersions(
  client: KeyVaultClient,
  name: string,
  options?: BaseListOptions,
): PagedAsyncIterable<CertificateProperties> {
  checkClient(client, "listPropertiesOfCertificateVersions");
  checkName(name);
  return paged(client, `/certificates/${name}/versions`, toCertificateProperties, options, "listPropertiesOfCertificateVersions");
}

/**
 * Lists deleted certificates (soft-delete vaults).
 * @example for await (const d of listDeletedCertificates(client)) console.log(d.name, d.scheduledPurgeDate);
 */
export function listDeletedCertificates(
  client: KeyVaultClient,
  options?: ListCertificatesOptions,
): PagedAsyncIterable<DeletedCertificateProperties> {
  checkClient(client, "listDeletedCertificates");
  return paged(client, path("/deletedcertificates", options), toDeletedCertificateProperties, options, "listDeletedCertificates");
}

/**
 * Lists the vault's certificate issuers.
 * @example for await (const issuer of listPropertiesOfIssuers(client)) console.log(issuer.name, issuer.provider);
 */
export function listPropertiesOfIssuers(client: KeyVaultClient, options?: BaseListOptions): PagedAsyncIterable<IssuerProperties> {
  return paged(client, "/certificates/issuers", toIssuerProperties, options, "listPropertiesOfIssuers");
}
