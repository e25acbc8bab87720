// Certificate policies as the service keeps them: the request's policy with the service's defaults
// filled in (as recorded in test/fixtures/recordings/certificates__*.json), a PATCH merged over the
// stored one, and the policy the service derives for an imported certificate.
import { isCurve } from "../crypto/ec.js";
import { KEY_USAGES, parseSubject, SubjectError, type ParsedCertificate } from "../crypto/x509.js";
import { badParameter, show } from "../errors.js";

/** A policy as stored: the service's JSON without `id`. */
export interface CertificatePolicy {
  key_props: { exportable: boolean; kty: string; key_size?: number; crv?: string; reuse_key: boolean };
  secret_props: { contentType: string };
  x509_props: {
    subject: string;
    sans?: { emails?: string[]; dns_names?: string[]; upns?: string[] };
    ekus: string[];
    key_usage: string[];
    validity_months: number;
    basic_constraints: { ca: boolean };
  };
  lifetime_actions: { trigger: { lifetime_percentage?: number; days_before_expiry?: number }; action: { action_type: string } }[];
  issuer: { name: string; cty?: string; cert_transparency?: boolean };
  attributes: { enabled: boolean; created: number; updated: number };
}

export const PKCS12 = "application/x-pkcs12";
export const PEM = "application/x-pem-file";
const DEFAULT_EKUS = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
function section(v: unknown, name: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw badParameter(`Property '${name}' must be an object.`);
  return v;
}
function strings(v: unknown, name: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw badParameter(`Property '${name}' must be an array of strings.`);
  return [...v] as string[];
}

/**
 * The policy a request asks for, over `base` (the stored policy when updating; nothing when creating),
 * with the service's defaults for what neither says.
 */
export function normalizePolicy(raw: unknown, nowSeconds: number, base?: CertificatePolicy): CertificatePolicy {
  if (!isRecord(raw)) throw badParameter("Property 'policy' must be an object.");
  const kp = { ...base?.key_props, ...section(raw.key_props, "key_props") } as Record<string, unknown>;
  const sp = { ...base?.secret_props, ...section(raw.secret_props, "secret_props") } as Record<string, unknown>;
  const xp = { ...base?.x509_props, ...section(raw.x509_props, "x509_props") } as Record<string, unknown>;
  const issuerIn = { ...base?.issuer, ...section(raw.issuer, "issuer") } as Record<string, unknown>;

  const kty = kp.kty ?? "RSA";
  if (typeof kty !== "string" || !["RSA", "RSA-HSM", "EC", "EC-HSM"].includes(kty))
    throw badParameter(`Invalid key type '${show(kty)}'. Valid key types for certificates are RSA, RSA-HSM, EC and EC-HSM.`);
  const ec = kty.startsWith("EC");
  const exportable = kp.exportable ?? true;
  if (typeof exportable !== "boolean") throw badParameter("Property 'key_props.exportable' must be a boolean.");
  const reuse = kp.reuse_key ?? false;
  if (typeof reuse !== "boolean") throw badParameter("Property 'key_props.reuse_key' must be a boolean.");
  let size: Pick<CertificatePolicy["key_props"], "key_size" | "crv">;
  if (ec) {
    const crv = kp.crv ?? "P-256";
    if (!isCurve(crv)) throw badParameter(`Invalid curve '${show(crv)}'. Supported curves are P-256, P-384, P-521 and P-256K.`);
    size = { crv };
  } else {
    const bits = kp.key_size ?? 2048;
    if (bits !== 2048 && bits !== 3072 && bits !== 4096)
      throw badParameter(`Invalid key size ${show(bits)} for RSA. Supported sizes are 2048, 3072 and 4096.`);
    size = { key_size: bits };
  }
  const key_props: CertificatePolicy["key_props"] = { exportable, kty, ...size, reuse_key: reuse };

  const contentType = sp.contentType ?? PKCS12;
  if (contentType !== PKCS12 && contentType !== PEM)
    throw badParameter(`Invalid content type '${show(contentType)}'. Supported content types are ${PKCS12} and ${PEM}.`);

  const subject = xp.subject ?? "";
  if (typeof subject !== "string") throw badParameter("Property 'x509_props.subject' must be a string.");
  const sansIn = xp.sans === undefined || xp.sans === null ? undefined : section(xp.sans, "x509_props.sans");
  let sans: CertificatePolicy["x509_props"]["sans"];
  if (sansIn) {
    sans = {};
    for (const k of ["emails", "dns_names", "upns"] as const) {
      const list = strings(sansIn[k], `x509_props.sans.${k}`);
      if (list) sans[k] = list;
    }
  }
  const sanCount = (sans?.emails?.length ?? 0) + (sans?.dns_names?.length ?? 0) + (sans?.upns?.length ?? 0);
  if (!subject && !sanCount) throw badParameter("The policy must have a subject or at least one subject alternative name.");
  if (subject) {
    try {
      parseSubject(subject);
    } catch (e) {
      if (e instanceof SubjectError) throw badParameter(e.message);
      throw e;
    }
  }
  const ekus = strings(xp.ekus, "x509_props.ekus") ?? [...DEFAULT_EKUS];
  for (const e of ekus) if (!/^\d+(\.\d+)+$/.test(e)) throw badParameter(`Invalid extended key usage '${e}': it must be an OID.`);
  const key_usage = strings(xp.key_usage, "x509_props.key_usage") ?? (ec ? ["digitalSignature"] : ["digitalSignature", "keyEncipherment"]);
  for (const u of key_usage)
    if (!(KEY_USAGES as readonly string[]).includes(u))
      throw badParameter(`Invalid key usage '${u}'. Valid values are ${KEY_USAGES.join(", ")}.`);
  const months = xp.validity_months ?? 12;
  if (typeof months !== "number" || !Number.isInteger(months) || months < 1 || months > 1200)
    throw badParameter(`Invalid validity_months ${show(months)}: it must be a whole number of months from 1 to 1200.`);

  const name = issuerIn.name ?? "Unknown";
  if (typeof name !== "string" || !name) throw badParameter("Property 'issuer.name' must be a string.");
  const issuer: CertificatePolicy["issuer"] = { name };
  if (issuerIn.cty !== undefined) issuer.cty = String(issuerIn.cty);
  if (issuerIn.cert_transparency !== undefined) issuer.cert_transparency = issuerIn.cert_transparency === true;

  const actionsIn = raw.lifetime_actions ?? base?.lifetime_actions;
  const lifetime_actions = actionsIn === undefined || actionsIn === null ? defaultActions(name) : parseActions(actionsIn, name);

  const attrsIn = section(raw.attributes, "attributes");
  const enabled = attrsIn.enabled ?? base?.attributes.enabled ?? true;
  if (typeof enabled !== "boolean") throw badParameter("Property 'attributes.enabled' must be a boolean.");
  return {
    key_props,
    secret_props: { contentType: contentType as string },
    x509_props: { subject, ...(sans ? { sans } : {}), ekus, key_usage, validity_months: months, basic_constraints: { ca: false } },
    lifetime_actions,
    issuer,
    attributes: { enabled, created: base?.attributes.created ?? nowSeconds, updated: nowSeconds },
  };
}

/** The service's default: at 80 % of the lifetime, renew (Self and named issuers) or e-mail the contacts (Unknown). */
const defaultActions = (issuer: string): CertificatePolicy["lifetime_actions"] => [
  { trigger: { lifetime_percentage: 80 }, action: { action_type: issuer.toLowerCase() === "unknown" ? "EmailContacts" : "AutoRenew" } },
];

function parseActions(v: unknown, issuer: string): CertificatePolicy["lifetime_actions"] {
  if (!Array.isArray(v)) throw badParameter("Property 'lifetime_actions' must be an array.");
  return v.map((a) => {
    const item = section(a, "lifetime_actions[]");
    const t = section(item.trigger, "lifetime_actions[].trigger");
    const type = section(item.action, "lifetime_actions[].action").action_type;
    if (type !== "AutoRenew" && type !== "EmailContacts")
      throw badParameter(`Invalid action_type '${show(type)}'. Valid values are AutoRenew and EmailContacts.`);
    if (type === "AutoRenew" && issuer.toLowerCase() === "unknown")
      throw badParameter("AutoRenew is not supported for certificates issued by an unknown issuer; use EmailContacts.");
    const pct = t.lifetime_percentage,
      days = t.days_before_expiry;
    if ((pct === undefined) === (days === undefined))
      throw badParameter("A lifetime action trigger needs exactly one of lifetime_percentage and days_before_expiry.");
    if (pct !== undefined && (typeof pct !== "number" || !Number.isInteger(pct) || pct < 1 || pct > 99))
      throw badParameter(`Invalid lifetime_percentage ${show(pct)}: it must be a whole number from 1 to 99.`);
    if (days !== undefined && (typeof days !== "number" || !Number.isInteger(days) || days < 1))
      throw badParameter(`Invalid days_before_expiry ${show(days)}: it must be a whole number of days, 1 or more.`);
    return {
      trigger: pct !== undefined ? { lifetime_percentage: pct as number } : { days_before_expiry: days as number },
      action: { action_type: type },
    };
  });
}

/** The policy the service derives from an imported certificate (issuer Unknown), under what the request's policy says. */
export function importedPolicy(cert: ParsedCertificate, contentType: string, requested: unknown, nowSeconds: number): CertificatePolicy {
  const pk = cert.publicKey;
  const derived: CertificatePolicy = {
    key_props: {
      exportable: true,
      kty: pk.kind,
      ...(pk.kind === "RSA" ? { key_size: pk.bits } : { crv: pk.crv! }),
      reuse_key: false,
    },
    secret_props: { contentType },
    x509_props: {
      subject: cert.subject,
      ...(cert.dnsNames.length || cert.emails.length || cert.upns.length
        ? {
            sans: {
              ...(cert.emails.length ? { emails: cert.emails } : {}),
              ...(cert.dnsNames.length ? { dns_names: cert.dnsNames } : {}),
              ...(cert.upns.length ? { upns: cert.upns } : {}),
            },
          }
        : {}),
      ekus: cert.ekus,
      key_usage: cert.keyUsage,
      validity_months: Math.max(1, Math.round((cert.exp - cert.nbf) / 86400 / 30.4375)),
      basic_constraints: { ca: false },
    },
    lifetime_actions: defaultActions("Unknown"),
    issuer: { name: "Unknown" },
    attributes: { enabled: true, created: nowSeconds, updated: nowSeconds },
  };
  if (requested === undefined || requested === null) return derived;
  const p = normalizePolicy(requested, nowSeconds, derived);
  // The certificate decides what it is; the request decides only how it is kept.
  return {
    ...p,
    x509_props: { ...derived.x509_props },
    key_props: { ...derived.key_props, exportable: p.key_props.exportable, reuse_key: p.key_props.reuse_key },
  };
}

/** Adds `months` calendar months to a unix time (the day clamps to the month's end). */
export function addMonths(unixSeconds: number, months: number): number {
  const d = new Date(unixSeconds * 1000);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return Math.floor(d.getTime() / 1000);
}
