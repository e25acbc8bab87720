// REST shapes <-> the typed model: unix seconds become Date, base64 becomes bytes, wire names
// (key_props, x509_props, ...) become the SDK's names. Only this module knows the wire names.
import { base64UrlDecode } from "../encoding.js";
import { answerObject, badAnswer, describe, invalid } from "../input.js";
import { compact, date, deletion, itemProperties } from "../model.js";
import { nameIn, parseCertificateId, type ParsedCertificateId } from "./ids.js";
import type {
  CertificateIssuer,
  CertificateOperation,
  CertificatePolicy,
  CertificateProperties,
  DeletedCertificate,
  DeletedCertificateProperties,
  IssuerInput,
  IssuerProperties,
  KeyVaultCertificateWithPolicy,
  LifetimeAction,
} from "./types.js";

type Json = Record<string, any>;

const bytes = (b64: unknown): Uint8Array<ArrayBuffer> | undefined => (typeof b64 === "string" && b64 ? base64UrlDecode(b64) : undefined);

function idOf(b: Json, what: string): ParsedCertificateId {
  if (typeof answerObject<Json>(b, what).id !== "string") throw badAnswer(`(${what}) has no id`);
  try {
    return parseCertificateId(b.id);
  } catch {
    throw badAnswer(`(${what}) has an id that is not a certificate identifier`);
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0").toUpperCase()).join("");

/** CertificateBundle or CertificateItem -> CertificateProperties. */
export function toCertificateProperties(b: Json): CertificateProperties {
  const id = idOf(b, "a certificate");
  const a: Json = b.attributes ?? {};
  const thumbprint = bytes(b.x5t);
  return compact({
    ...itemProperties(b.id as string, id, a),
    tags: b.tags && typeof b.tags === "object" ? { ...b.tags } : undefined,
    x509Thumbprint: thumbprint,
    x509ThumbprintString: thumbprint && hex(thumbprint),
    recoveryLevel: a.recoveryLevel,
    recoverableDays: a.recoverableDays,
    preserveCertificateOrder: b.preserveCertOrder,
  });
}

/** CertificateBundle -> KeyVaultCertificateWithPolicy. */
export function toCertificate(b: Json): KeyVaultCertificateWithPolicy {
  const properties = toCertificateProperties(b);
  return compact({
    id: properties.id,
    name: properties.name,
    properties,
    cer: bytes(b.cer) ?? new Uint8Array(0),
    keyId: typeof b.kid === "string" ? b.kid : undefined,
    secretId: typeof b.sid === "string" ? b.sid : undefined,
    policy: b.policy && typeof b.policy === "object" ? toPolicy(b.policy) : undefined,
  });
}

/** DeletedCertificateItem -> DeletedCertificateProperties. */
export function toDeletedCertificateProperties(b: Json): DeletedCertificateProperties {
  return compact({ ...toCertificateProperties(b), ...deletion(b) });
}

/** DeletedCertificateBundle -> DeletedCertificate. */
export function toDeletedCertificate(b: Json): DeletedCertificate {
  return compact({ ...toCertificate(b), ...deletion(b) });
}

/** The wire policy -> CertificatePolicy. */
export function toPolicy(p: Json): CertificatePolicy {
  answerObject(p, "a certificate policy");
  const k: Json = p.key_props ?? {},
    x: Json = p.x509_props ?? {},
    s: Json = x.sans ?? {},
    i: Json = p.issuer ?? {},
    a: Json = p.attributes ?? {};
  const sans = compact({ dnsNames: s.dns_names, emails: s.emails, userPrincipalNames: s.upns });
  return compact({
    issuerName: i.name,
    subject: x.subject,
    subjectAlternativeNames: Object.keys(sans).length ? sans : undefined,
    keyType: k.kty,
    keySize: k.key_size,
    keyCurveName: k.crv,
    exportable: k.exportable,
    reuseKey: k.reuse_key,
    contentType: p.secret_props?.contentType,
    validityInMonths: x.validity_months,
    enhancedKeyUsage: x.ekus,
    keyUsage: x.key_usage,
    lifetimeActions: Array.isArray(p.lifetime_actions)
      ? p.lifetime_actions.map((l: Json) =>
          compact({
            action: l.action?.action_type,
            lifetimePercentage: l.trigger?.lifetime_percentage,
            daysBeforeExpiry: l.trigger?.days_before_expiry,
          }),
        )
      : undefined,
    certificateType: i.cty,
    certificateTransparency: i.cert_transparency,
    enabled: a.enabled,
    createdOn: date(a.created),
    updatedOn: date(a.updated),
  });
}

const strings = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw invalid(`${what} must be an array of strings; got ${describe(v)}`);
  return v;
};

function check(v: unknown, type: "string" | "number" | "boolean", what: string): void {
  if (v !== undefined && typeof v !== type) throw invalid(`policy.${what} must be a ${type}; got ${describe(v)}`);
}

/** CertificatePolicy -> the wire policy, checked. `creating` requires an issuer and a subject or SANs. */
export function fromPolicy(policy: CertificatePolicy, creating: boolean): Json {
  if (!policy || typeof policy !== "object" || Array.isArray(policy))
    throw invalid(`a certificate policy must be an object ({ issuerName, subject, ... }); got ${describe(policy)}`);
  const p = policy;
  for (const [k, t] of [
    ["issuerName", "string"],
    ["subject", "string"],
    ["keyType", "string"],
    ["keyCurveName", "string"],
    ["contentType", "string"],
    ["certificateType", "string"],
    ["keySize", "number"],
    ["validityInMonths", "number"],
    ["exportable", "boolean"],
    ["reuseKey", "boolean"],
    ["certificateTransparency", "boolean"],
    ["enabled", "boolean"],
  ] as const)
    check(p[k], t, k);
  const sans = p.subjectAlternativeNames;
  if (sans !== undefined && (!sans || typeof sans !== "object"))
    throw invalid(`policy.subjectAlternativeNames must be an object; got ${describe(sans)}`);
  const dns = strings(sans?.dnsNames, "policy.subjectAlternativeNames.dnsNames");
  const emails = strings(sans?.emails, "policy.subjectAlternativeNames.emails");
  const upns = strings(sans?.userPrincipalNames, "policy.subjectAlternativeNames.userPrincipalNames");
  if (creating) {
    if (!p.issuerName)
      throw invalid(
        'a new certificate\'s policy needs issuerName ("Self" for self-signed, "Unknown" to merge later, or an issuer\'s name)',
      );
    if (!p.subject && !dns?.length && !emails?.length && !upns?.length)
      throw invalid('a new certificate\'s policy needs a subject (e.g. "CN=example.com") or subjectAlternativeNames');
  }
  if (p.lifetimeActions !== undefined && !Array.isArray(p.lifetimeActions))
    throw invalid(`policy.lifetimeActions must be an array; got ${describe(p.lifetimeActions)}`);
  const x509 = compact({
    subject: p.subject,
    sans: sans === undefined ? undefined : compact({ dns_names: dns, emails, upns }),
    ekus: strings(p.enhancedKeyUsage, "policy.enhancedKeyUsage"),
    key_usage: strings(p.keyUsage, "policy.keyUsage"),
    validity_months: p.validityInMonths,
  });
  const key = compact({ kty: p.keyType, key_size: p.keySize, crv: p.keyCurveName, exportable: p.exportable, reuse_key: p.reuseKey });
  const issuer = compact({ name: p.issuerName, cty: p.certificateType, cert_transparency: p.certificateTransparency });
  return compact({
    key_props: Object.keys(key).length ? key : undefined,
    secret_props: p.contentType === undefined ? undefined : { contentType: p.contentType },
    x509_props: Object.keys(x509).length ? x509 : undefined,
    lifetime_actions: p.lifetimeActions?.map((l: LifetimeAction) => {
      if (!l || typeof l !== "object" || typeof l.action !== "string")
        throw invalid('each lifetime action needs an action ("AutoRenew" or "EmailContacts")');
      return {
        trigger: compact({ lifetime_percentage: l.lifetimePercentage, days_before_expiry: l.daysBeforeExpiry }),
        action: { action_type: l.action },
      };
    }),
    issuer: Object.keys(issuer).length ? issuer : undefined,
    attributes: p.enabled === undefined ? undefined : { enabled: p.enabled },
  });
}

/** CertificateOperation on the wire -> CertificateOperation. */
export function toOperation(b: Json): CertificateOperation {
  const id = idOf(b, "a certificate operation");
  const i: Json = b.issuer ?? {};
  return compact({
    id: b.id as string,
    name: id.name,
    vaultUrl: id.vaultUrl,
    status: b.status,
    statusDetails: b.status_details,
    issuerName: i.name,
    certificateType: i.cty,
    certificateTransparency: i.cert_transparency,
    csr: bytes(b.csr),
    cancellationRequested: b.cancellation_requested,
    error: b.error && typeof b.error === "object" ? compact({ code: b.error.code, message: b.error.message }) : undefined,
    target: b.target,
    requestId: b.request_id,
    preserveCertificateOrder: b.preserveCertOrder,
  });
}

/** IssuerBundle -> CertificateIssuer (the password never comes back). */
export function toIssuer(b: Json): CertificateIssuer {
  if (typeof answerObject<Json>(b, "an issuer").id !== "string") throw badAnswer("(an issuer) has no id");
  const o: Json = b.org_details ?? {},
    a: Json = b.attributes ?? {};
  return compact({
    id: b.id,
    name: nameIn(b.id, 2) ?? "",
    provider: b.provider,
    accountId: b.credentials?.account_id,
    organizationId: o.id,
    administratorContacts: Array.isArray(o.admin_details)
      ? o.admin_details.map((d: Json) => compact({ firstName: d.first_name, lastName: d.last_name, email: d.email, phone: d.phone }))
      : undefined,
    enabled: a.enabled,
    createdOn: date(a.created),
    updatedOn: date(a.updated),
  });
}

/** CertificateIssuerItem -> IssuerProperties. */
export function toIssuerProperties(b: Json): IssuerProperties {
  if (typeof answerObject<Json>(b, "an issuer").id !== "string") throw badAnswer("(an issuer) has no id");
  return compact({ id: b.id, name: nameIn(b.id, 2) ?? "", provider: b.provider });
}

/** IssuerInput -> the wire issuer, checked. */
export function fromIssuer(input: IssuerInput, creating: boolean): Json {
  if (!input || typeof input !== "object" || Array.isArray(input))
    throw invalid(`issuer settings must be an object ({ provider, ... }); got ${describe(input)}`);
  for (const k of ["provider", "accountId", "password", "organizationId"] as const)
    if (input[k] !== undefined && typeof input[k] !== "string") throw invalid(`issuer ${k} must be a string; got ${describe(input[k])}`);
  if (input.enabled !== undefined && typeof input.enabled !== "boolean")
    throw invalid(`issuer enabled must be a boolean; got ${describe(input.enabled)}`);
  if (creating && !input.provider) throw invalid('createIssuer needs a provider (e.g. "DigiCert")');
  const admins = input.administratorContacts;
  if (admins !== undefined && !Array.isArray(admins)) throw invalid(`administratorContacts must be an array; got ${describe(admins)}`);
  const credentials = compact({ account_id: input.accountId, pwd: input.password });
  const org = compact({
    id: input.organizationId,
    admin_details: admins?.map((d) => compact({ first_name: d.firstName, last_name: d.lastName, email: d.email, phone: d.phone })),
  });
  return compact({
    provider: input.provider,
    credentials: Object.keys(credentials).length ? credentials : undefined,
    org_details: Object.keys(org).length ? org : undefined,
    attributes: input.enabled === undefined ? undefined : { enabled: input.enabled },
  });
}
