// CertificateClient: the whole certificates API as methods, for apps that want one object. Apps
// that care about bundle size import the standalone functions instead.
import { KeyVaultClient } from "../client.js";
import type { WaitableOptions } from "../secrets/wait.js";
import {
  cancelCertificateOperation,
  createCertificate,
  deleteCertificateOperation,
  getCertificateOperation,
  type CreateCertificateOptions,
  type CreateWaitOptions,
} from "./create.js";
import type { CertificateInfo } from "./der.js";
import { parseCertificate } from "./der.js";
import { deleteCertificate, getDeletedCertificate, purgeDeletedCertificate, recoverDeletedCertificate } from "./deleted.js";
import { createIssuer, deleteContacts, deleteIssuer, getContacts, getIssuer, setContacts, updateIssuer } from "./issuers.js";
import {
  listDeletedCertificates,
  listPropertiesOfCertificateVersions,
  listPropertiesOfCertificates,
  listPropertiesOfIssuers,
  type ListCertificatesOptions,
  type ListOptions,
  type PagedAsyncIterable,
} from "./list.js";
import {
  backupCertificate,
  getCertificate,
  getCertificatePolicy,
  importCertificate,
  mergeCertificate,
  restoreCertificateBackup,
  updateCertificatePolicy,
  updateCertificateProperties,
  type ImportCertificateOptions,
  type MergeCertificateOptions,
  type UpdateCertificatePropertiesOptions,
} from "./operations.js";
import type {
  CertificateContact,
  CertificateIssuer,
  CertificateOperation,
  CertificatePolicy,
  CertificateProperties,
  DeletedCertificate,
  DeletedCertificateProperties,
  IssuerInput,
  IssuerProperties,
  KeyVaultCertificateWithPolicy,
  OperationOptions,
} from "./types.js";
import { getCertificateWithKey, type CertificateWithKey, type GetCertificateWithKeyOptions } from "./with-key.js";

/**
 * A {@link KeyVaultClient} with every certificate operation as a method, named as in
 * `@azure/keyvault-certificates` (creation, deletion and recovery return their result, with an
 * optional bounded `wait`, instead of a poller).
 * @example
 * import { CertificateClient } from "keyvault-fetch/certificates";
 * const certificates = new CertificateClient("https://myvault.vault.azure.net", { getToken });
 * await certificates.createCertificate("api-tls", { issuerName: "Self", subject: "CN=api.example.com" }, { wait: true });
 * const { privateKey, chain } = await certificates.getCertificateWithKey("api-tls");
 */
export class CertificateClient extends KeyVaultClient {
  /**
   * See {@link createCertificate}.
   * @example await certificateClient.createCertificate("api-tls", { issuerName: "Self", subject: "CN=api" }, { wait: true });
   */
  createCertificate(name: string, policy: CertificatePolicy, options?: CreateCertificateOptions): Promise<CertificateOperation> {
    return createCertificate(this, name, policy, options);
  }
  /**
   * See {@link getCertificate}.
   * @example const { cer, policy } = await certificateClient.getCertificate("api-tls");
   */
  getCertificate(name: string, version?: string, options?: OperationOptions): Promise<KeyVaultCertificateWithPolicy> {
    return getCertificate(this, name, version, options);
  }
  /**
   * See {@link getCertificateWithKey}.
   * @example const { privateKey, chain } = await certificateClient.getCertificateWithKey("api-tls");
   */
  getCertificateWithKey(name: string, version?: string, options?: GetCertificateWithKeyOptions): Promise<CertificateWithKey> {
    return getCertificateWithKey(this, name, version, options);
  }
  /**
   * See {@link getCertificateOperation}.
   * @example const { status } = await certificateClient.getCertificateOperation("api-tls");
   */
  getCertificateOperation(
    name: string,
    options?: OperationOptions & { wait?: boolean | CreateWaitOptions },
  ): Promise<CertificateOperation> {
    return getCertificateOperation(this, name, options);
  }
  /**
   * See {@link cancelCertificateOperation}.
   * @example await certificateClient.cancelCertificateOperation("api-tls");
   */
  cancelCertificateOperation(name: string, options?: OperationOptions): Promise<CertificateOperation> {
    return cancelCertificateOperation(this, name, options);
  }
  /**
   * See {@link deleteCertificateOperation}.
   * @example await certificateClient.deleteCertificateOperation("api-tls");
   */
  deleteCertificateOperation(name: string, options?: OperationOptions): Promise<CertificateOperation> {
    return deleteCertificateOperation(this, name, options);
  }
  /**
   * See {@link mergeCertificate}.
   * @example await certificateClient.mergeCertificate("internal-tls", [data]);
   */
  mergeCertificate(
    name: string,
    x509Certificates: Uint8Array[],
    options?: MergeCertificateOptions,
  ): Promise<KeyVaultCertificateWithPolicy> {
    return mergeCertificate(this, name, x509Certificates, options);
  }
  /**
   * See {@link importCertificate}.
   * @example await certificateClient.importCertificate("partner-tls", env.CERT_PEM + env.KEY_PEM);
   */
  importCertificate(
    name: string,
    certificate: Uint8Array | string,
    options?: ImportCertificateOptions,
  ): Promise<KeyVaultCertificateWithPolicy> {
    return importCertificate(this, name, certificate, options);
  }
  /**
   * See {@link getCertificatePolicy}.
   * @example const policy = await certificateClient.getCertificatePolicy("api-tls");
   */
  getCertificatePolicy(name: string, options?: OperationOptions): Promise<CertificatePolicy> {
    return getCertificatePolicy(this, name, options);
  }
  /**
   * See {@link updateCertificatePolicy}.
   * @example await certificateClient.updateCertificatePolicy("api-tls", { validityInMonths: 6 });
   */
  updateCertificatePolicy(name: string, policy: CertificatePolicy, options?: OperationOptions): Promise<CertificatePolicy> {
    return updateCertificatePolicy(this, name, policy, options);
  }
  /**
   * See {@link updateCertificateProperties}.
   * @example await certificateClient.updateCertificateProperties("api-tls", "", { enabled: false });
   */
  updateCertificateProperties(
    name: string,
    version: string,
    options: UpdateCertificatePropertiesOptions,
  ): Promise<KeyVaultCertificateWithPolicy> {
    return updateCertificateProperties(this, name, version, options);
  }
  /**
   * See {@link listPropertiesOfCertificates}.
   * @example for await (const c of certificateClient.listPropertiesOfCertificates()) console.log(c.name);
   */
  listPropertiesOfCertificates(options?: ListCertificatesOptions): PagedAsyncIterable<CertificateProperties> {
    return listPropertiesOfCertificates(this, options);
  }
  /**
   * See {@link listPropertiesOfCertificateVersions}.
   * @example for await (const v of certificateClient.listPropertiesOfCertificateVersions("api-tls")) console.log(v.version);
   */
  listPropertiesOfCertificateVersions(name: string, options?: ListOptions): PagedAsyncIterable<CertificateProperties> {
    return listPropertiesOfCertificateVersions(this, name, options);
  }
  /**
   * See {@link listDeletedCertificates}.
   * @example for await (const d of certificateClient.listDeletedCertificates()) console.log(d.name);
   */
  listDeletedCertificates(options?: ListCertificatesOptions): PagedAsyncIterable<DeletedCertificateProperties> {
    return listDeletedCertificates(this, options);
  }
  /**
   * See {@link deleteCertificate}.
   * @example await certificateClient.deleteCertificate("old-tls", { wait: true });
   */
  deleteCertificate(name: string, options?: WaitableOptions): Promise<DeletedCertificate> {
    return deleteCertificate(this, name, options);
  }
  /**
   * See {@link getDeletedCertificate}.
   * @example const deleted = await certificateClient.getDeletedCertificate("old-tls");
   */
  getDeletedCertificate(name: string, options?: OperationOptions): Promise<DeletedCertificate> {
    return getDeletedCertificate(this, name, options);
  }
  /**
   * See {@link recoverDeletedCertificate}.
   * @example await certificateClient.recoverDeletedCertificate("old-tls", { wait: true });
   */
  recoverDeletedCertificate(name: string, options?: WaitableOptions): Promise<KeyVaultCertificateWithPolicy> {
    return recoverDeletedCertificate(this, name, options);
  }
  /**
   * See {@link purgeDeletedCertificate}.
   * @example await certificateClient.purgeDeletedCertificate("old-tls");
   */
  purgeDeletedCertificate(name: string, options?: OperationOptions): Promise<void> {
    return purgeDeletedCertificate(this, name, options);
  }
  /**
   * See {@link backupCertificate}.
   * @example const backup = await certificateClient.backupCertificate("api-tls");
   */
  backupCertificate(name: string, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> {
    return backupCertificate(this, name, options);
  }
  /**
   * See {@link restoreCertificateBackup}.
   * @example await certificateClient.restoreCertificateBackup(blob);
   */
  restoreCertificateBackup(backup: Uint8Array, options?: OperationOptions): Promise<KeyVaultCertificateWithPolicy> {
    return restoreCertificateBackup(this, backup, options);
  }
  /**
   * See {@link getContacts}.
   * @example const contacts = await certificateClient.getContacts();
   */
  getContacts(options?: OperationOptions): Promise<CertificateContact[]> {
    return getContacts(this, options);
  }
  /**
   * See {@link setContacts}.
   * @example await certificateClient.setContacts([{ email: "pki@example.com" }]);
   */
  setContacts(contacts: CertificateContact[], options?: OperationOptions): Promise<CertificateContact[]> {
    return setContacts(this, contacts, options);
  }
  /**
   * See {@link deleteContacts}.
   * @example await certificateClient.deleteContacts();
   */
  deleteContacts(options?: OperationOptions): Promise<CertificateContact[]> {
    return deleteContacts(this, options);
  }
  /**
   * See {@link createIssuer}.
   * @example await certificateClient.createIssuer("digicert", { provider: "DigiCert" });
   */
  createIssuer(name: string, issuer: IssuerInput, options?: OperationOptions): Promise<CertificateIssuer> {
    return createIssuer(this, name, issuer, options);
  }
  /**
   * See {@link getIssuer}.
   * @example const issuer = await certificateClient.getIssuer("digicert");
   */
  getIssuer(name: string, options?: OperationOptions): Promise<CertificateIssuer> {
    return getIssuer(this, name, options);
  }
  /**
   * See {@link updateIssuer}.
   * @example await certificateClient.updateIssuer("digicert", { accountId: "acct-2" });
   */
  updateIssuer(name: string, issuer: IssuerInput, options?: OperationOptions): Promise<CertificateIssuer> {
    return updateIssuer(this, name, issuer, options);
  }
  /**
   * See {@link deleteIssuer}.
   * @example await certificateClient.deleteIssuer("digicert");
   */
  deleteIssuer(name: string, options?: OperationOptions): Promise<CertificateIssuer> {
    return deleteIssuer(this, name, options);
  }
  /**
   * See {@link listPropertiesOfIssuers}.
   * @example for await (const issuer of certificateClient.listPropertiesOfIssuers()) console.log(issuer.name);
   */
  listPropertiesOfIssuers(options?: ListOptions): PagedAsyncIterable<IssuerProperties> {
    return listPropertiesOfIssuers(this, options);
  }
  /**
   * Reads the newest version's DER certificate: see {@link parseCertificate}.
   * @example const { subject, notAfter } = await certificateClient.readCertificate("api-tls");
   */
  async readCertificate(name: string, version?: string, options?: OperationOptions): Promise<CertificateInfo> {
    return parseCertificate((await getCertificate(this, name, version, options)).cer);
  }
}
