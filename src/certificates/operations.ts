// Reading and writing certificates: get, update properties, import, merge, policy, backup, restore.
import type { KeyVaultClient } from "../client.js";
import { base64Encode, base64UrlDecode, base64UrlEncode } from "../encoding.js";
import { badAnswer, checkClient, checkVersion, describe, invalid, optionsOf } from "../input.js";
import { begin, request, type RequestOptions } from "../request.js";
import { checkCertificateVersion, checkName, resolveCertificate } from "./ids.js";
import { compact } from "../model.js";
import { fromPolicy, toCertificate, toPolicy } from "./model.js";
import type { CertificatePolicy, KeyVaultCertificateWithPolicy, OperationOptions } from "./types.js";

/** The signal of checked options, as request() takes it. */
export const signalOf = (o: OperationOptions, idempotent?: boolean): RequestOptions => ({
  ...(o.signal ? { signal: o.signal } : {}),
  ...(idempotent === false ? { idempotent } : {}),
});

/** `/certificates/{name}/{version}`, or `/certificates/{name}/` for the newest (as the SDKs send it). */
export const certificatePath = (a: { name: string; version: string }): string => `/certificates/${a.name}/${a.version}`;

/**
 * Properties settable on a certificate version, on import and on merge.
 * @example
 * const input: CertificatePropertiesInput = { enabled: true, tags: { team: "payments" } };
 * await updateCertificateProperties(client, "api-tls", "", input);
 */
export interface CertificatePropertiesInput {
  enabled?: boolean;
  tags?: Record<string, string>;
}

/** Checks properties and returns the wire members (`attributes`, `tags`). */
export function propertiesBody(o: CertificatePropertiesInput): { attributes?: { enabled: boolean }; tags?: Record<string, string> } {
  if (o.enabled !== undefined && typeof o.enabled !== "boolean") throw invalid(`enabled must be a boolean; got ${describe(o.enabled)}`);
  if (o.tags !== undefined) {
    if (!o.tags || typeof o.tags !== "object" || Array.isArray(o.tags))
      throw invalid(`tags must be an object of strings; got ${describe(o.tags)}`);
    for (const [k, v] of Object.entries(o.tags))
      if (typeof v !== "string") throw invalid(`tag ${JSON.stringify(k)} must have a string value; got ${describe(v)}`);
  }
  return compact({ attributes: o.enabled === undefined ? undefined : { enabled: o.enabled }, tags: o.tags });
}

/**
 * Reads a certificate: the newest version (with its policy) unless `version` is given.
 * `name` may also be a certificate identifier of the client's vault.
 * @example
 * const { cer, keyId, properties, policy } = await getCertificate(client, "api-tls");
 * const older = await getCertificate(client, "api-tls", "0123456789abcdef0123456789abcdef");
 */
export function getCertificate(
  client: KeyVaultClient,
  name: string,
  version?: string,
  options?: OperationOptions,
): Promise<KeyVaultCertificateWithPolicy> {
  return begin(() => {
    checkClient(client, "getCertificate");
    checkVersion(version, "getCertificate");
    const o = optionsOf(options, "getCertificate");
    const address = resolveCertificate(client, name, version);
    checkCertificateVersion(address.version, "getCertificate");
    return request<object>(client, "GET", certificatePath(address), undefined, signalOf(o)).then(toCertificate);
  });
}

/**
 * Options of {@link updateCertificateProperties}.
 * @example
 * const changes: UpdateCertificatePropertiesOptions = { enabled: false };
 * await updateCertificateProperties(client, "old-tls", "", changes);
 */
export interface UpdateCertificatePropertiesOptions extends CertificatePropertiesInput, OperationOptions {}

/**
 * Changes a version's properties (`enabled`, `tags`); `version` "" is the newest.
 * @example
 * await updateCertificateProperties(client, "api-tls", "", { tags: { owner: "payments" } });
 */
export async function updateCertificateProperties(
  client: KeyVaultClient,
  name: string,
  version: string,
  options: UpdateCertificatePropertiesOptions,
): Promise<KeyVaultCertificateWithPolicy> {
  checkClient(client, "updateCertificateProperties");
  if (typeof version !== "string")
    throw invalid(
      `updateCertificateProperties(client, name, version, options): the version is a string ("" for the newest); got ${describe(version)}`,
    );
  checkName(name);
  checkCertificateVersion(version, "updateCertificateProperties");
  const o = optionsOf(options, "updateCertificateProperties");
  const body = propertiesBody(o);
  if (!Object.keys(body).length) throw invalid("updateCertificateProperties needs something to change: enabled or tags");
  return toCertificate(await request(client, "PATCH", certificatePath({ name, version }), body, signalOf(o)));
}

/**
 * Options of {@link importCertificate}.
 * @example
 * const options: ImportCertificateOptions = { password: "pfx-password", policy: { exportable: false }, tags: { source: "ca" } };
 * await importCertificate(client, "partner-tls", pfxBytes, options);
 */
export interface ImportCertificateOptions extends CertificatePropertiesInput, OperationOptions {
  /** The PFX's password (none for an unprotected PFX or PEM). */
  password?: string;
  /** Policy members to set (for PEM, `contentType` is `application/x-pem-file` unless given). */
  policy?: CertificatePolicy;
  /** Keep the chain in the order given (api-version 2025-07-01). */
  preserveCertificateOrder?: boolean;
}

/**
 * Imports a certificate with its private key: PFX bytes (PKCS #12), or PEM text with an
 * unencrypted `PRIVATE KEY` block and the certificates. Not repeated on 5xx (each import makes a version).
 * @example
 * const imported = await importCertificate(client, "partner-tls", env.CERT_PEM + env.KEY_PEM);
 * imported.properties.x509ThumbprintString;
 */
export async function importCertificate(
  client: KeyVaultClient,
  name: string,
  certificate: Uint8Array | string,
  options?: ImportCertificateOptions,
): Promise<KeyVaultCertificateWithPolicy> {
  checkClient(client, "importCertificate");
  checkName(name);
  const o = optionsOf(options, "importCertificate");
  const pem = typeof certificate === "string";
  if (pem ? !certificate.includes("-----BEGIN") : !(certificate instanceof Uint8Array) || certificate.length === 0)
    throw invalid(`importCertificate takes PFX bytes or PEM text (with -----BEGIN blocks); got ${describe(certificate)}`);
  if (o.password !== undefined && typeof o.password !== "string") throw invalid(`password must be a string; got ${describe(o.password)}`);
  if (o.preserveCertificateOrder !== undefined && typeof o.preserveCertificateOrder !== "boolean")
    throw invalid(`preserveCertificateOrder must be a boolean; got ${describe(o.preserveCertificateOrder)}`);
  const policy = o.policy === undefined ? undefined : fromPolicy(o.policy, false);
  const body = compact({
    value: pem ? (certificate as string) : base64Encode(certificate as Uint8Array),
    pwd: o.password,
    policy: pem && !o.policy?.contentType ? { ...policy, secret_props: { contentType: "application/x-pem-file" } } : policy,
    ...propertiesBody(o),
    preserveCertOrder: o.preserveCertificateOrder,
  });
  return toCertificate(await request(client, "POST", `/certificates/${name}/import`, body, signalOf(o, false)));
}

/**
 * Options of {@link mergeCertificate}.
 * @example
 * const options: MergeCertificateOptions = { tags: { ca: "internal" } };
 */
export interface MergeCertificateOptions extends CertificatePropertiesInput, OperationOptions {}

/**
 * Completes a pending certificate of issuer `Unknown`: the certificate your CA signed from the
 * operation's `csr`, then its chain, as DER (or PEM text encoded as bytes, which the service also takes).
 * @example
 * const { csr } = await getCertificateOperation(client, "internal-tls");
 * const signed: Uint8Array[] = [leafDer, intermediateDer]; // what your CA made of csr
 * await mergeCertificate(client, "internal-tls", signed);
 */
export async function mergeCertificate(
  client: KeyVaultClient,
  name: string,
  x509Certificates: Uint8Array[],
  options?: MergeCertificateOptions,
): Promise<KeyVaultCertificateWithPolicy> {
  checkClient(client, "mergeCertificate");
  checkName(name);
  const o = optionsOf(options, "mergeCertificate");
  if (!Array.isArray(x509Certificates) || !x509Certificates.length || x509Certificates.some((c) => !(c instanceof Uint8Array) || !c.length))
    throw invalid(`mergeCertificate takes the signed certificate and its chain as an array of bytes; got ${describe(x509Certificates)}`);
  const body = { x5c: x509Certificates.map(base64Encode), ...propertiesBody(o) };
  return toCertificate(await request(client, "POST", `/certificates/${name}/pending/merge`, body, signalOf(o, false)));
}

/**
 * Reads a certificate's policy.
 * @example
 * const policy = await getCertificatePolicy(client, "api-tls");
 * policy.lifetimeActions; // e.g. [{ action: "AutoRenew", lifetimePercentage: 80 }]
 */
export async function getCertificatePolicy(client: KeyVaultClient, name: string, options?: OperationOptions): Promise<CertificatePolicy> {
  checkClient(client, "getCertificatePolicy");
  checkName(name);
  const o = optionsOf(options, "getCertificatePolicy");
  return toPolicy(await request(client, "GET", `/certificates/${name}/policy`, undefined, signalOf(o)));
}

/**
 * Changes a certificate's policy (members left out stay); it applies from the next version (renewal).
 * @example
 * await updateCertificatePolicy(client, "api-tls", { validityInMonths: 3, lifetimeActions: [{ action: "AutoRenew", daysBeforeExpiry: 30 }] });
 */
export async function updateCertificatePolicy(
  client: KeyVaultClient,
  name: string,
  policy: CertificatePolicy,
  options?: OperationOptions,
): Promise<CertificatePolicy> {
  checkClient(client, "updateCertificatePolicy");
  checkName(name);
  const o = optionsOf(options, "updateCertificatePolicy");
  const body = fromPolicy(policy, false);
  if (!Object.keys(body).length) throw invalid("updateCertificatePolicy needs something to change");
  return toPolicy(await request(client, "PATCH", `/certificates/${name}/policy`, body, signalOf(o)));
}

/**
 * Backs up a certificate with all its versions, key and secret: an opaque blob that only a vault
 * of the same subscription and geography restores.
 * @example const backup = await backupCertificate(client, "api-tls");
 */
export async function backupCertificate(
  client: KeyVaultClient,
  name: string,
  options?: OperationOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  checkClient(client, "backupCertificate");
  checkName(name);
  const o = optionsOf(options, "backupCertificate");
  const res = await request<{ value?: unknown }>(client, "POST", `/certificates/${name}/backup`, undefined, signalOf(o));
  if (typeof res?.value !== "string") throw badAnswer("(a backup) has no value");
  return base64UrlDecode(res.value);
}

/**
 * Restores a certificate from {@link backupCertificate}'s blob; its name must be free. Retried only on 429.
 * @example const restored = await restoreCertificateBackup(client, blob);
 */
export async function restoreCertificateBackup(
  client: KeyVaultClient,
  backup: Uint8Array,
  options?: OperationOptions,
): Promise<KeyVaultCertificateWithPolicy> {
  checkClient(client, "restoreCertificateBackup");
  const o = optionsOf(options, "restoreCertificateBackup");
  if (!(backup instanceof Uint8Array) || !backup.length)
    throw invalid(`restoreCertificateBackup needs the backup as non-empty bytes; got ${describe(backup)}`);
  return toCertificate(await request(client, "POST", "/certificates/restore", { value: base64UrlEncode(backup) }, signalOf(o, false)));
}
