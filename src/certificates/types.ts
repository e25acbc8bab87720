// The vocabulary of keyvault-fetch/certificates, named as @azure/keyvault-certificates names it.
// Type-only module: it adds nothing to a bundle.
import type { DeletionInfo, DeletionRecoveryLevel } from "../secrets/types.js";

export type { DeletionRecoveryLevel, DeletionInfo, OperationOptions } from "../secrets/types.js";
export type { Page } from "../paging.js";

/**
 * Key types a certificate's key can have (`-HSM`: in a hardware module, Premium vaults).
 * @example
 * const keyType: CertificateKeyType = "EC";
 * await createCertificate(client, "signer", { issuerName: "Self", subject: "CN=signer", keyType, keyCurveName: "P-256" });
 */
export type CertificateKeyType = "RSA" | "RSA-HSM" | "EC" | "EC-HSM" | (string & {});

/**
 * Curves of an EC certificate key. Web Crypto has no P-256K: {@link getCertificateWithKey} refuses it.
 * @example
 * const keyCurveName: CertificateKeyCurveName = "P-384";
 */
export type CertificateKeyCurveName = "P-256" | "P-384" | "P-521" | "P-256K" | (string & {});

/**
 * How the certificate's secret is stored: a PFX (`application/x-pkcs12`, the default) or PEM.
 * @example
 * const contentType: CertificateContentType = "application/x-pem-file";
 */
export type CertificateContentType = "application/x-pkcs12" | "application/x-pem-file" | (string & {});

/**
 * Key usages a policy may ask for.
 * @example
 * const keyUsage: KeyUsageType[] = ["digitalSignature"];
 */
export type KeyUsageType =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly"
  | (string & {});

/**
 * Subject alternative names of a policy.
 * @example
 * const subjectAlternativeNames: SubjectAlternativeNames = { dnsNames: ["api.example.com", "www.example.com"] };
 */
export interface SubjectAlternativeNames {
  dnsNames?: string[];
  emails?: string[];
  userPrincipalNames?: string[];
}

/**
 * What the service does as a certificate nears its expiry. Give `lifetimePercentage` or `daysBeforeExpiry`.
 * @example
 * const renew: LifetimeAction = { action: "AutoRenew", daysBeforeExpiry: 30 };
 */
export interface LifetimeAction {
  action: "AutoRenew" | "EmailContacts" | (string & {});
  /** Percentage of the lifetime (1 to 99) at which to act. */
  lifetimePercentage?: number;
  /** Days before expiry at which to act. */
  daysBeforeExpiry?: number;
}

/**
 * How a certificate is made and renewed. Every member is optional when updating; when creating,
 * give `issuerName` and `subject` (or `subjectAlternativeNames`). What the service fills in when a
 * member is left out (as recorded from Key Vault): `keyType` `"RSA"`, `keySize` 2048, `exportable`
 * `true`, `reuseKey` `false`, `contentType` `"application/x-pkcs12"`, `validityInMonths` 12,
 * `enhancedKeyUsage` server and client authentication (`1.3.6.1.5.5.7.3.1`, `1.3.6.1.5.5.7.3.2`),
 * `keyUsage` `["digitalSignature", "keyEncipherment"]`, and for a self-signed certificate one
 * lifetime action, `AutoRenew` at 80 % of its lifetime.
 * @example
 * const policy: CertificatePolicy = {
 *   issuerName: "Self", subject: "CN=api.example.com", subjectAlternativeNames: { dnsNames: ["api.example.com"] },
 *   keyType: "EC", keyCurveName: "P-256", exportable: true, contentType: "application/x-pem-file", validityInMonths: 6,
 * };
 * await createCertificate(client, "api-tls", policy, { wait: true });
 */
export interface CertificatePolicy {
  /** `"Self"` (self-signed), `"Unknown"` (you merge the signed certificate), or an issuer's name (see {@link createIssuer}). */
  issuerName?: "Self" | "Unknown" | (string & {});
  /** X.500 distinguished name, e.g. `"CN=api.example.com, O=Example"`. */
  subject?: string;
  subjectAlternativeNames?: SubjectAlternativeNames;
  keyType?: CertificateKeyType;
  /** RSA: 2048, 3072 or 4096 (default 2048). */
  keySize?: number;
  /** EC: the curve (the service's default is P-256). */
  keyCurveName?: CertificateKeyCurveName;
  /** Whether the private key can be read through the certificate's secret (default true). False keeps it in the vault: sign there. */
  exportable?: boolean;
  /** Keep the same key on renewal (default false). */
  reuseKey?: boolean;
  /** The secret's format (default `application/x-pkcs12`). */
  contentType?: CertificateContentType;
  /** Validity in months (default 12). */
  validityInMonths?: number;
  /** Extended key usage OIDs. */
  enhancedKeyUsage?: string[];
  keyUsage?: KeyUsageType[];
  lifetimeActions?: LifetimeAction[];
  /** For a CA issuer: the certificate type the CA should issue (e.g. `"OV-SSL"`). */
  certificateType?: string;
  /** Ask the issuer to publish the certificate to Certificate Transparency logs. */
  certificateTransparency?: boolean;
  /** Whether the policy is enabled (read-only in answers, settable when creating). */
  enabled?: boolean;
  /** Read-only. */
  createdOn?: Date;
  /** Read-only. */
  updatedOn?: Date;
}

/**
 * A certificate version's properties (everything but its bytes and policy). Times are `Date`s.
 * @example
 * const { properties }: { properties: CertificateProperties } = await getCertificate(client, "api-tls");
 * if (properties.expiresOn && properties.expiresOn.getTime() - Date.now() < 30 * 86_400_000) console.warn("renew api-tls");
 */
export interface CertificateProperties {
  /** `https://{vault}/certificates/{name}[/{version}]`. */
  id: string;
  name: string;
  /** "" when the answer named no version (list items). */
  version: string;
  vaultUrl: string;
  enabled?: boolean;
  /** The certificate's own validity (from the X.509 certificate). */
  notBefore?: Date;
  expiresOn?: Date;
  createdOn?: Date;
  updatedOn?: Date;
  tags?: Record<string, string>;
  /** SHA-1 of the DER certificate (the service's `x5t`). */
  x509Thumbprint?: Uint8Array<ArrayBuffer>;
  /** The same as hex, upper case (as the portal shows it). */
  x509ThumbprintString?: string;
  recoveryLevel?: DeletionRecoveryLevel;
  recoverableDays?: number;
  /** Whether the chain's order as imported is kept (api-version 2025-07-01). */
  preserveCertificateOrder?: boolean;
}

/**
 * A certificate version: its DER bytes and where its key and secret are.
 * @example
 * const certificate: KeyVaultCertificate = await getCertificate(client, "api-tls");
 * certificate.keyId; // sign with this key in the vault (keyvault-fetch/keys)
 */
export interface KeyVaultCertificate {
  /** The certificate identifier with its version. */
  id: string;
  name: string;
  properties: CertificateProperties;
  /** The DER certificate (empty while its creation is pending). */
  cer: Uint8Array<ArrayBuffer>;
  /** Its key, `https://{vault}/keys/{name}/{version}`. */
  keyId?: string;
  /** Its secret (certificate and, when exportable, private key), `https://{vault}/secrets/{name}/{version}`. */
  secretId?: string;
}

/**
 * A certificate with the policy the service sent with it (the newest version's answers carry one).
 * @example
 * const { policy }: KeyVaultCertificateWithPolicy = await getCertificate(client, "api-tls");
 * policy?.exportable; // false: sign in the vault
 */
export interface KeyVaultCertificateWithPolicy extends KeyVaultCertificate {
  policy?: CertificatePolicy;
}

/**
 * A deleted certificate: recoverable until `scheduledPurgeDate`.
 * @example
 * const deleted: DeletedCertificate = await deleteCertificate(client, "old-tls", { wait: true });
 * deleted.scheduledPurgeDate;
 */
export interface DeletedCertificate extends KeyVaultCertificateWithPolicy, DeletionInfo {}

/**
 * A deleted certificate's properties (items of {@link listDeletedCertificates}).
 * @example
 * for await (const d of listDeletedCertificates(client)) {
 *   const item: DeletedCertificateProperties = d;
 *   console.log(item.name, item.scheduledPurgeDate);
 * }
 */
export interface DeletedCertificateProperties extends CertificateProperties, DeletionInfo {}

/**
 * A certificate's creation, as the service runs it: `status` is `"inProgress"` until the issuer
 * signs (or `"completed"`, `"failed"`, `"cancelled"`).
 * @example
 * const operation: CertificateOperation = await getCertificateOperation(client, "api-tls");
 * if (operation.status === "inProgress" && operation.csr) console.log("CSR to sign:", operation.csr.length, "bytes");
 */
export interface CertificateOperation {
  /** `https://{vault}/certificates/{name}/pending`. */
  id: string;
  name: string;
  vaultUrl: string;
  status?: "inProgress" | "completed" | "failed" | "cancelled" | (string & {});
  statusDetails?: string;
  issuerName?: string;
  certificateType?: string;
  certificateTransparency?: boolean;
  /** The PKCS #10 request (DER): sign it with your CA and {@link mergeCertificate} the result (issuer `Unknown`). */
  csr?: Uint8Array<ArrayBuffer>;
  cancellationRequested?: boolean;
  /** The service's error when the operation failed. */
  error?: { code?: string; message?: string };
  /** Where the certificate is, once completed. */
  target?: string;
  requestId?: string;
  preserveCertificateOrder?: boolean;
}

/**
 * A contact the vault mails about certificate events.
 * @example
 * const contact: CertificateContact = { email: "pki@example.com", name: "PKI team" };
 * await setContacts(client, [contact]);
 */
export interface CertificateContact {
  email?: string;
  name?: string;
  phone?: string;
}

/**
 * An administrator of an issuer account.
 * @example
 * const admin: AdministratorContact = { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" };
 */
export interface AdministratorContact {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
}

/**
 * An issuer's settings (input of {@link createIssuer} and {@link updateIssuer}).
 * @example
 * const issuer: IssuerInput = { provider: "DigiCert", accountId: "acct", password: env.AZURE_CLIENT_SECRET, organizationId: "org-1" };
 * await createIssuer(client, "digicert", issuer);
 */
export interface IssuerInput {
  /** `"DigiCert"`, `"GlobalSign"`, ... (required when creating). */
  provider?: string;
  accountId?: string;
  /** The account's password or API key: sent to the vault, never returned. */
  password?: string;
  organizationId?: string;
  administratorContacts?: AdministratorContact[];
  enabled?: boolean;
}

/**
 * An issuer (a CA account the vault orders certificates from).
 * @example
 * const issuer: CertificateIssuer = await getIssuer(client, "digicert");
 * issuer.provider; // "DigiCert"
 */
export interface CertificateIssuer {
  /** `https://{vault}/certificates/issuers/{name}`. */
  id: string;
  name: string;
  provider?: string;
  accountId?: string;
  organizationId?: string;
  administratorContacts?: AdministratorContact[];
  enabled?: boolean;
  createdOn?: Date;
  updatedOn?: Date;
}

/**
 * An issuer as lists show it.
 * @example
 * for await (const item of listPropertiesOfIssuers(client)) {
 *   const props: IssuerProperties = item;
 *   console.log(props.name, props.provider);
 * }
 */
export interface IssuerProperties {
  id: string;
  name: string;
  provider?: string;
}
