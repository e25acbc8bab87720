// Soft delete and what follows it: delete, get a deleted certificate, recover, purge. Deletion
// and recovery complete in the background; `wait` looks until they have (the secrets' poll).
import type { KeyVaultClient } from "../client.js";
import { checkClient, optionsOf } from "../input.js";
import { request } from "../request.js";
import { pollUntil, waitSettings, type WaitableOptions } from "../secrets/wait.js";
import { checkName } from "./ids.js";
import { toCertificate, toDeletedCertificate } from "./model.js";
import { signalOf } from "./operations.js";
import type { DeletedCertificate, KeyVaultCertificateWithPolicy, OperationOptions } from "./types.js";

/**
 * Deletes a certificate with all its versions, its key and its secret. Recoverable until its
 * `scheduledPurgeDate` (soft delete); `wait` looks until the deletion is complete, so a purge or
 * recover right after succeeds.
 * @example
 * await deleteCertificate(client, "old-tls", { wait: true });
 * await purgeDeletedCertificate(client, "old-tls");
 */
export async function deleteCertificate(client: KeyVaultClient, name: string, options?: WaitableOptions): Promise<DeletedCertificate> {
  checkClient(client, "deleteCertificate");
  checkName(name);
  const o = optionsOf(options, "deleteCertificate");
  const settings = waitSettings(o);
  // Not repeated on 5xx: a retry after a lost answer would turn a success into a 404.
  const deleted = toDeletedCertificate(await request(client, "DELETE", `/certificates/${name}`, undefined, signalOf(o, false)));
  if (!settings) return deleted;
  return pollUntil(() => getDeletedCertificate(client, name, o), settings, `deletion of certificate ${name}`, o.signal);
}

/**
 * Reads a deleted certificate.
 * @example const { scheduledPurgeDate } = await getDeletedCertificate(client, "old-tls");
 */
export async function getDeletedCertificate(client: KeyVaultClient, name: string, options?: OperationOptions): Promise<DeletedCertificate> {
  checkClient(client, "getDeletedCertificate");
  checkName(name);
  const o = optionsOf(options, "getDeletedCertificate");
  return toDeletedCertificate(await request(client, "GET", `/deletedcertificates/${name}`, undefined, signalOf(o)));
}

/**
 * Recovers a deleted certificate with its versions; `wait` looks until it answers again. Retried only on 429.
 * @example const recovered = await recoverDeletedCertificate(client, "old-tls", { wait: true });
 */
export async function recoverDeletedCertificate(
  client: KeyVaultClient,
  name: string,
  options?: WaitableOptions,
): Promise<KeyVaultCertificateWithPolicy> {
  checkClient(client, "recoverDeletedCertificate");
  checkName(name);
  const o = optionsOf(options, "recoverDeletedCertificate");
  const settings = waitSettings(o);
  const recovered = toCertificate(await request(client, "POST", `/deletedcertificates/${name}/recover`, undefined, signalOf(o, false)));
  if (!settings) return recovered;
  await pollUntil(
    () => request(client, "GET", `/certificates/${name}/`, undefined, signalOf(o)),
    settings,
    `recovery of certificate ${name}`,
    o.signal,
  );
  return recovered;
}

/**
 * Deletes a deleted certificate for good (needs the purge permission; refused under purge protection).
 * @example await purgeDeletedCertificate(client, "old-tls");
 */
export async function purgeDeletedCertificate(client: KeyVaultClient, name: string, options?: OperationOptions): Promise<void> {
  checkClient(client, "purgeDeletedCertificate");
  checkName(name);
  const o = optionsOf(options, "purgeDeletedCertificate");
  await request(client, "DELETE", `/deletedcertificates/${name}`, undefined, signalOf(o, false));
}
