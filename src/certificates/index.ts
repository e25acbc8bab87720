/**
 * keyvault-fetch/certificates: every Key Vault certificate operation as standalone functions
 * taking the client first (a bundle carries only what it calls), as methods of
 * {@link CertificateClient}, and {@link getCertificateWithKey}: a certificate with its private key
 * as Web Crypto keys in one request. A small DER reader ({@link parseCertificate}) gives names,
 * validity, SANs and the public key; it validates no chain.
 * @module keyvault-fetch/certificates
 * @example
 * import { KeyVaultClient } from "keyvault-fetch";
 * import { createCertificate, getCertificateWithKey } from "keyvault-fetch/certificates";
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken });
 * await createCertificate(client, "api-tls", { issuerName: "Self", subject: "CN=api.example.com", keyType: "EC" }, { wait: true });
 * const { privateKey, chain, notAfter } = await getCertificateWithKey(client, "api-tls");
 */
export { CertificateClient } from "./certificate-client.js";
export {
  getCertificate,
  updateCertificateProperties,
  importCertificate,
  mergeCertificate,
  getCertificatePolicy,
  updateCertificatePolicy,
  backupCertificate,
  restoreCertificateBackup,
} from "./operations.js";
export type {
  CertificatePropertiesInput,
  UpdateCertificatePropertiesOptions,
  ImportCertificateOptions,
  MergeCertificateOptions,
} from "./operations.js";
export { createCertificate, getCertificateOperation, cancelCertificateOperation, deleteCertificateOperation } from "./create.js";
export type { CreateCertificateOptions, CreateWaitOptions } from "./create.js";
export { deleteCertificate, getDeletedCertificate, recoverDeletedCertificate, purgeDeletedCertificate } from "./deleted.js";
export type { WaitOptions, WaitableOptions } from "../secrets/wait.js";
export {
  listPropertiesOfCertificates,
  listPropertiesOfCertificateVersions,
  listDeletedCertificates,
  listPropertiesOfIssuers,
} from "./list.js";
export type { ListCertificatesOptions, ListOptions, PageSettings, PagedAsyncIterable } from "./list.js";
export { getContacts, setContacts, deleteContacts, createIssuer, getIssuer, updateIssuer, deleteIssuer } from "./issuers.js";
export { getCertificateWithKey, toPem } from "./with-key.js";
export type { CertificateWithKey, GetCertificateWithKeyOptions } from "./with-key.js";
export { parseCertificate, certificateThumbprints, importCertificatePublicKey } from "./der.js";
export type { CertificateInfo, SubjectAltNames, PublicKeyInfo } from "./der.js";
export { parseCertificateId, parseCertificateId as parseKeyVaultCertificateIdentifier } from "./ids.js";
export type { ParsedCertificateId } from "./ids.js";
export type * from "./types.js";
