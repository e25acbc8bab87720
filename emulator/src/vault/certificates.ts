// The certificate operations of api-version 2025-07-01 as the service answers them (recorded in
// test/fixtures/recordings/certificates__*.json): create (202, completed on the emulator's clock),
// the pending operation (get, cancel, delete, merge), get, update, versions, lists, policy, import
// (PEM and PKCS#12), delete, deleted certificates, recover, purge, backup and restore. Each issued
// version is linked, as in Key Vault, to a managed key and a managed secret of the same name and version.
import { b64std, b64url, concat, fromB64, fromUtf8, hex, randomBytes, randomVersion, utf8 } from "../bytes.js";
import { Asn1Error } from "../crypto/asn1.js";
import { generateEc, type Curve } from "../crypto/ec.js";
import { Pkcs12Error, readPkcs12, writePkcs12 } from "../crypto/pkcs12.js";
import { generateRsa } from "../crypto/rsa.js";
import {
  certificationRequest,
  pem,
  pemBlocks,
  pkcs8,
  publicOf,
  readCertificate,
  readPkcs8,
  sameKey,
  selfSignedCertificate,
  type CertKey,
  type ParsedCertificate,
} from "../crypto/x509.js";
import { ServiceError, badParameter, conflict } from "../errors.js";
import { addMonths, importedPolicy, normalizePolicy, PEM, PKCS12, type CertificatePolicy } from "./certificate-policy.js";
import {
  checkCertificate,
  currentVersion,
  thumbprint,
  type CertificateEntry,
  type CertificateOperation,
  type CertificateStore,
  type CertificateVersion,
  type DeletedCertificate,
} from "./certificates-store.js";
import { checkName, objectBody, parseTags, refusePurgeIfProtected, type Answer, type VaultContext } from "./context.js";
import { page } from "./paging.js";
import { checkEntry, type SecretEntry, type SecretStore, type SecretVersion } from "./secrets-store.js";
import { deserializeEntry, serializeEntry, type KeyEntry, type KeyVersion, type Material } from "./store.js";

/** What every certificates handler gets. */
export interface CertsContext {
  ctx: VaultContext;
  store: CertificateStore;
  /** The vault's secrets (its store object changes when state is imported). */
  secrets: () => SecretStore;
  /** How long a Self-issued certificate takes, by the emulator's clock; 0 = issued within the create call. */
  issueDelayMs: number;
  /** The emulator's clock now (ms), read after slow work such as key generation. */
  now: () => number;
}

const FWLINK = "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";
const IN_PROGRESS =
  "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";
const AWAITING_MERGE = "Pending certificate created. Please Perform Merge to complete the request.";
const VERSION = /^[0-9a-fA-F]{32}$/;

export const certificateNotFound = (nameOrId: string): ServiceError =>
  new ServiceError(
    404,
    "CertificateNotFound",
    `A certificate with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. ${FWLINK}`,
  );
const deletedNotFound = (name: string): ServiceError =>
  new ServiceError(404, "CertificateNotFound", `Deleted Certificate not found: ${name}`);
const pendingNotFound = (name: string): ServiceError =>
  new ServiceError(404, "PendingCertificateNotFound", `Pending Certificate not found: ${name}`);
const malformedBackup = (): ServiceError =>
  new ServiceError(400, "Malformed backup blob", "Backup blob contains invalid or corrupt version.");

// --- key material as JSON (pending operations and backups) ---

function keyToJson(k: CertKey): unknown {
  return k.kind === "RSA" ? k : { kind: "EC", crv: k.key.crv, d: b64url(k.key.d), x: b64url(k.key.x), y: b64url(k.key.y) };
}
function keyFromJson(raw: unknown): CertKey {
  const k = raw as Record<string, unknown>;
  if (k?.kind === "RSA") return k as unknown as CertKey;
  return { kind: "EC", key: { crv: k.crv as Curve, d: fromB64(k.d)!, x: fromB64(k.x)!, y: fromB64(k.y)! } };
}

async function newKey(p: CertificatePolicy): Promise<CertKey> {
  if (p.key_props.kty.startsWith("EC")) return { kind: "EC", key: await generateEc(p.key_props.crv as Curve) };
  const bits = p.key_props.key_size ?? 2048;
  return { kind: "RSA", jwk: await generateRsa(bits), bits };
}

const requestOf = (p: CertificatePolicy) => ({
  subject: p.x509_props.subject || "CN=",
  dnsNames: p.x509_props.sans?.dns_names,
  emails: p.x509_props.sans?.emails,
  upns: p.x509_props.sans?.upns,
  keyUsage: p.x509_props.key_usage,
  ekus: p.x509_props.ekus,
});

// --- lookups ---

function live(c: CertsContext, name: string): CertificateEntry {
  checkName(name);
  const e = c.store.certificate(name);
  if (!e || (e.visibleAtMs ?? 0) > c.ctx.nowMs) throw certificateNotFound(name);
  return e;
}

function versionOf(c: CertsContext, name: string, version: string): { e: CertificateEntry; v: CertificateVersion } {
  const e = live(c, name);
  if (!version) return { e, v: currentVersion(e) };
  const v = VERSION.test(version) ? e.versions.find((x) => x.version === version.toLowerCase()) : undefined;
  if (!v) throw certificateNotFound(`${name}/${version}`);
  return { e, v };
}

/** 409 while a deleted certificate (or its key or secret) holds the name. */
function checkNameFree(c: CertsContext, name: string): void {
  const d = c.store.deletedCertificate(name);
  if (d) {
    if (d.readyAtMs > c.ctx.nowMs)
      throw conflict(`Certificate ${name} is currently being deleted and cannot be re-created; retry later.`, "ObjectIsBeingDeleted");
    throw conflict(
      `Certificate ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
      "ObjectIsDeletedButRecoverable",
    );
  }
  c.ctx.store.checkNameFree(name, c.ctx.nowMs);
}

// --- issuing: the version, its key and its secret ---

/** The key operations a certificate's key permits, from its key usage. */
function keyOpsFor(key: CertKey, usage: string[]): string[] {
  if (key.kind === "EC") return ["sign", "verify"];
  const ops = new Set<string>();
  if (usage.includes("digitalSignature") || usage.includes("nonRepudiation")) ops.add("sign").add("verify");
  if (usage.includes("keyEncipherment")) ["wrapKey", "unwrapKey", "encrypt", "decrypt"].forEach((o) => ops.add(o));
  if (usage.includes("dataEncipherment")) ops.add("encrypt").add("decrypt");
  return ops.size ? [...ops] : ["sign", "verify", "wrapKey", "unwrapKey", "encrypt", "decrypt"];
}

/**
 * The secret's value, in the policy's content type: PKCS#12 (standard base64, no password) or PEM
 * (PKCS#8 key, then the chain). A non-exportable key stays out of it, as the service documents ("the
 * private key isn't a part of the value when it's retrieved as a secret"): the chain only; the
 * certificate's managed key still signs.
 */
async function secretValue(key: CertKey, chain: Uint8Array[], policy: CertificatePolicy): Promise<string> {
  const exported = policy.key_props.exportable ? key : undefined;
  if (policy.secret_props.contentType === PEM)
    return (exported ? pem("PRIVATE KEY", pkcs8(exported)) : "") + chain.map((c) => pem("CERTIFICATE", c)).join("");
  return b64std(await writePkcs12(exported, chain));
}

/**
 * Completes version `v` of `e` with its certificate: the version gets cer and x5t, and the managed
 * key and secret get a version with the same id. Call it after every await, so the check and the change happen together.
 */
function link(
  c: CertsContext,
  e: CertificateEntry,
  v: CertificateVersion,
  key: CertKey,
  cert: ParsedCertificate,
  secret: string,
  x5t: string,
): void {
  const now = c.ctx.nowSeconds;
  const p = e.policy;
  v.cer = b64std(cert.der);
  v.x5t = x5t;
  v.nbf = cert.nbf;
  v.exp = cert.exp;
  v.enabled = true;
  v.updated = now;
  const hsm = p.key_props.kty.endsWith("-HSM");
  const material: Material = key.kind === "RSA" ? { kind: "RSA", jwk: key.jwk, bits: key.bits } : { kind: "EC", key: key.key };
  const kv: KeyVersion = {
    version: v.version,
    kty: (key.kind === "RSA" ? (hsm ? "RSA-HSM" : "RSA") : hsm ? "EC-HSM" : "EC") as KeyVersion["kty"],
    material,
    keyOps: keyOpsFor(key, p.x509_props.key_usage),
    enabled: true,
    nbf: cert.nbf,
    exp: cert.exp,
    created: now,
    updated: now,
    exportable: p.key_props.exportable,
    managed: true,
  };
  if (v.tags?.length) kv.tags = Object.fromEntries(v.tags);
  c.ctx.store.addVersion(e.name, kv, c.ctx.nowMs);
  const sv: SecretVersion = {
    version: v.version,
    value: secret,
    contentType: p.secret_props.contentType,
    enabled: true,
    nbf: cert.nbf,
    exp: cert.exp,
    created: now,
    updated: now,
    managed: true,
    kid: `${c.ctx.store.kidBase(e.name)}/${v.version}`,
  };
  if (v.tags?.length) sv.tags = [...v.tags];
  const secrets = c.secrets();
  let se = secrets.secret(e.name);
  if (!se) secrets.live.set(e.name.toLowerCase(), (se = { name: e.name, versions: [] }));
  se.versions.push(sv);
}

/** Issues a Self-signed version now: the operation completes. */
async function issueSelfSigned(c: CertsContext, e: CertificateEntry, op: CertificateOperation): Promise<void> {
  const v = e.versions.find((x) => x.version === op.version);
  if (!v) return;
  const key = keyFromJson(op.key);
  const der = await selfSignedCertificate(key, requestOf(e.policy), v.nbf, v.exp);
  const secret = await secretValue(key, [der], e.policy);
  const x5t = await thumbprint(der);
  if (c.store.certificate(e.name) !== e || e.operation !== op || op.status !== "inProgress") return;
  link(c, e, v, key, readCertificate(der), secret, x5t);
  op.status = "completed";
  delete op.statusDetails;
}

/** Starts an operation for a new version with the certificate's policy (create, renewal). */
async function startOperation(
  c: CertsContext,
  e: CertificateEntry | undefined,
  name: string,
  policy: CertificatePolicy,
  attrs: { enabled?: boolean; tags?: [string, string][] },
): Promise<{ e: CertificateEntry; op: CertificateOperation }> {
  const previous = e?.operation;
  const reuse = policy.key_props.reuse_key && e && previous?.key !== undefined && previous.status === "completed";
  const key = reuse ? keyFromJson(previous!.key) : await newKey(policy);
  const csr = await certificationRequest(key, requestOf(policy));
  const now = c.ctx.nowSeconds;
  // The service dates a certificate from the request, 10 minutes back for clock skew (as recorded).
  const v: CertificateVersion = {
    version: randomVersion(),
    enabled: false,
    nbf: now - 600,
    exp: addMonths(now, policy.x509_props.validity_months),
    created: now,
    updated: now,
  };
  if (attrs.tags?.length) v.tags = attrs.tags;
  const self = policy.issuer.name.toLowerCase() === "self";
  const unknown = policy.issuer.name.toLowerCase() === "unknown";
  const op: CertificateOperation = {
    requestId: hex(randomBytes(16)),
    version: v.version,
    issuer: policy.issuer.name,
    csr: b64std(csr),
    cancellationRequested: false,
    status: "inProgress",
    statusDetails: unknown ? AWAITING_MERGE : IN_PROGRESS,
    dueAtMs: self ? c.now() + c.issueDelayMs : Number.POSITIVE_INFINITY,
    key: keyToJson(key),
  };
  if (!self && !unknown && !c.store.issuers.has(policy.issuer.name.toLowerCase())) {
    // A named issuer the vault does not know fails as the service's would.
    op.status = "failed";
    op.statusDetails = `Issuer '${policy.issuer.name}' is not found.`;
    op.error = { code: "CertificateIssuerNotFound", message: "Issuer not found" };
  }
  let entry = c.store.certificate(name);
  if (entry && entry !== e) throw conflict(`Certificate ${name} was changed by another operation; retry.`);
  if (!entry) {
    checkNameFree(c, name);
    entry = { name, versions: [], policy };
    c.store.live.set(name.toLowerCase(), entry);
  }
  entry.policy = policy;
  entry.versions.push(v);
  entry.operation = op;
  return { e: entry, op };
}

/** Where an operation answers from, and when to ask again. */
function operationHeaders(c: CertsContext, op: CertificateOperation): Record<string, string> {
  // Seconds until a Self certificate is due (at least 1); 10, as recorded, for an operation that waits on a merge.
  const wait = op.dueAtMs === Number.POSITIVE_INFINITY ? 10 : Math.max(1, Math.ceil((op.dueAtMs - c.ctx.nowMs) / 1000));
  return op.status === "inProgress" ? { "retry-after": String(wait) } : {};
}

/** POST /certificates/{name}/create: 202 with the operation; a Self certificate is issued after issueDelayMs. */
export async function createCertificate(c: CertsContext, name: string): Promise<Answer> {
  checkName(name);
  const body = objectBody(c.ctx);
  const policyIn = body.policy;
  const existing = c.store.certificate(name);
  if (policyIn === undefined && !existing) throw badParameter("Property 'policy' is required for a new certificate.");
  const policy = normalizePolicy(policyIn ?? {}, c.ctx.nowSeconds, existing?.policy);
  const attrs =
    body.attributes === undefined || body.attributes === null ? {} : (objectOf(body.attributes, "attributes") as { enabled?: unknown });
  const tags = parseTags(body.tags, "certificate");
  checkNameFree(c, name);
  if (existing?.operation?.status === "inProgress")
    throw conflict(`There is already a pending operation for certificate ${name}. Cancel or delete it before creating another version.`);
  const { e, op } = await startOperation(c, existing, name, policy, { tags: tags ? Object.entries(tags) : undefined });
  if (attrs.enabled === false) e.versions[e.versions.length - 1]!.enabled = false;
  if (c.issueDelayMs === 0 && op.dueAtMs !== Number.POSITIVE_INFINITY) await issueSelfSigned(c, e, op);
  const location = `${c.store.idBase(e.name)}/pending?api-version=${encodeURIComponent(c.ctx.shape.version)}&request_id=${op.requestId}`;
  return { status: 202, body: c.store.operation(e, op), headers: { location, ...operationHeaders(c, op) } };
}

function objectOf(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw badParameter(`Property '${name}' must be an object.`);
  return v as Record<string, unknown>;
}

/** GET /certificates/{name}/{version?} */
export function getCertificate(c: CertsContext, name: string, version: string): Answer {
  const { e, v } = versionOf(c, name, version);
  return { status: 200, body: c.store.bundle(e, v) };
}

/** PATCH /certificates/{name}/{version?}: attributes (enabled, applied to the key and secret too), tags, policy. */
export function updateCertificate(c: CertsContext, name: string, version: string): Answer {
  const body = objectBody(c.ctx);
  const { e, v } = versionOf(c, name, version);
  const attrs = body.attributes === undefined || body.attributes === null ? {} : objectOf(body.attributes, "attributes");
  if (attrs.enabled !== undefined && typeof attrs.enabled !== "boolean")
    throw badParameter("Property 'attributes.enabled' must be a boolean.");
  const tags = parseTags(body.tags, "certificate");
  const policy = body.policy === undefined || body.policy === null ? undefined : normalizePolicy(body.policy, c.ctx.nowSeconds, e.policy);
  if (policy) e.policy = policy;
  if (typeof attrs.enabled === "boolean" && v.cer) v.enabled = attrs.enabled;
  if (tags) v.tags = Object.entries(tags);
  v.updated = c.ctx.nowSeconds;
  // The key and the secret follow the certificate.
  const kv = c.ctx.store.key(e.name)?.versions.find((x) => x.version === v.version);
  const sv = c
    .secrets()
    .secret(e.name)
    ?.versions.find((x) => x.version === v.version);
  if (kv) {
    kv.enabled = v.enabled;
    if (tags) kv.tags = { ...tags };
    kv.updated = v.updated;
  }
  if (sv) {
    sv.enabled = v.enabled;
    if (tags) sv.tags = Object.entries(tags);
    sv.updated = v.updated;
  }
  c.ctx.store.onChange();
  return { status: 200, body: c.store.bundle(e, v) };
}

const byName = (a: string, b: string): number => {
  const x = a.toLowerCase(),
    y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

const includePending = (c: CertsContext) => c.ctx.url.searchParams.get("includePending")?.toLowerCase() === "true";

/** GET /certificates: one item per certificate; those never issued only with includePending=true. */
export function listCertificates(c: CertsContext): Answer {
  const pending = includePending(c);
  const items = [...c.store.live.values()]
    .filter((e) => (e.visibleAtMs ?? 0) <= c.ctx.nowMs && (pending || e.versions.some((v) => v.cer)))
    .sort((a, b) => byName(a.name, b.name))
    .map((e) => c.store.item(e, currentVersion(e), false));
  return { status: 200, body: page(c.ctx, items) };
}

/** GET /certificates/{name}/versions */
export function listCertificateVersions(c: CertsContext, name: string): Answer {
  const e = live(c, name);
  const versions = [...e.versions].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  return {
    status: 200,
    body: page(
      c.ctx,
      versions.map((v) => c.store.item(e, v, true)),
    ),
  };
}

/** GET /certificates/{name}/policy */
export function getPolicy(c: CertsContext, name: string): Answer {
  const e = live(c, name);
  return { status: 200, body: c.store.policy(e.name, e.policy) };
}

/** PATCH /certificates/{name}/policy: merged over the stored policy; the next version uses it. */
export function updatePolicy(c: CertsContext, name: string): Answer {
  const e = live(c, name);
  e.policy = normalizePolicy(objectBody(c.ctx), c.ctx.nowSeconds, e.policy);
  return { status: 200, body: c.store.policy(e.name, e.policy) };
}

// --- the pending operation ---

function operationOf(c: CertsContext, name: string): { e: CertificateEntry; op: CertificateOperation } {
  checkName(name);
  const e = c.store.certificate(name);
  if (!e?.operation || (e.visibleAtMs ?? 0) > c.ctx.nowMs) throw pendingNotFound(name);
  return { e, op: e.operation };
}

/** GET /certificates/{name}/pending */
export function getOperation(c: CertsContext, name: string): Answer {
  const { e, op } = operationOf(c, name);
  return { status: 200, body: c.store.operation(e, op), headers: operationHeaders(c, op) };
}

/** PATCH /certificates/{name}/pending: cancellation_requested (the operation ends as cancelled when it would have completed). */
export function updateOperation(c: CertsContext, name: string): Answer {
  const body = objectBody(c.ctx);
  if (typeof body.cancellation_requested !== "boolean") throw badParameter("Property 'cancellation_requested' must be a boolean.");
  const { e, op } = operationOf(c, name);
  if (body.cancellation_requested && op.status === "inProgress") op.cancellationRequested = true;
  return { status: 200, body: c.store.operation(e, op) };
}

/** DELETE /certificates/{name}/pending: answers the operation; the certificate stays as it is. */
export function deleteOperation(c: CertsContext, name: string): Answer {
  const { e, op } = operationOf(c, name);
  delete e.operation;
  return { status: 200, body: c.store.operation(e, op) };
}

/** The certificates of a merge's x5c: base64 of DER, or base64 of the PEM or base64 text (as clients send them). */
function x5cCertificates(x5c: unknown): ParsedCertificate[] {
  if (!Array.isArray(x5c) || x5c.length === 0) throw badParameter("Property 'x5c' must be a non-empty array of base64 certificates.");
  return x5c.map((item) => {
    let bytes = fromB64(item);
    if (!bytes) throw badParameter("Property 'x5c' must hold base64 certificates.");
    if (bytes[0] !== 0x30) {
      const text = fromUtf8(bytes);
      // Base64 text, with or without its PEM armour (the JS SDK's own test sends it with the END line only).
      bytes = fromB64(text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, ""));
    }
    try {
      return readCertificate(bytes!);
    } catch {
      throw badParameter(
        "The specified X.509 certificate content is in an unexpected format. Please check if certificate is in valid format.",
      );
    }
  });
}

/** POST /certificates/{name}/pending/merge: the chain an outside CA signed, for the pending key. */
export async function mergeCertificate(c: CertsContext, name: string): Promise<Answer> {
  const body = objectBody(c.ctx);
  const chain = x5cCertificates(body.x5c);
  const { e, op } = operationOf(c, name);
  if (op.status !== "inProgress") throw pendingNotFound(name);
  const key = keyFromJson(op.key);
  if (!sameKey(chain[0]!.publicKey, publicOf(key)))
    throw badParameter("Public key from x509 certificate and key of this instance doesn't match");
  const v = e.versions.find((x) => x.version === op.version);
  if (!v) throw pendingNotFound(name);
  const secret = await secretValue(
    key,
    chain.map((x) => x.der),
    e.policy,
  );
  const x5t = await thumbprint(chain[0]!.der);
  if (e.operation !== op || op.status !== "inProgress") throw pendingNotFound(name);
  const tags = parseTags(body.tags, "certificate");
  if (tags) v.tags = Object.entries(tags);
  link(c, e, v, key, chain[0]!, secret, x5t);
  const attrs = body.attributes === undefined || body.attributes === null ? {} : objectOf(body.attributes, "attributes");
  if (attrs.enabled === false) v.enabled = false;
  op.status = "completed";
  delete op.statusDetails;
  const location = `${c.store.idBase(e.name)}?api-version=${encodeURIComponent(c.ctx.shape.version)}`;
  return { status: 201, body: c.store.bundle(e, v), headers: { location } };
}

// --- import ---

const PEM_FORMAT =
  "The specified PEM X.509 certificate content is in an unexpected format. Please check if certificate is in valid PEM format.";
const PFX_FORMAT =
  "The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format.";

/** The key and chain of an import's value: PEM text (key and certificates in any order) or base64 PKCS#12. */
async function importedContents(
  value: string,
  password: string,
  pemWanted: boolean,
): Promise<{ key: CertKey; chain: ParsedCertificate[]; contentType: string }> {
  if (pemWanted || value.includes("-----BEGIN")) {
    let blocks: [string, Uint8Array][];
    try {
      blocks = pemBlocks(value);
    } catch {
      throw badParameter(PEM_FORMAT);
    }
    const keys = blocks.filter(([l]) => l === "PRIVATE KEY");
    const certs = blocks.filter(([l]) => l === "CERTIFICATE");
    if (blocks.some(([l]) => l === "ENCRYPTED PRIVATE KEY" || l === "RSA PRIVATE KEY" || l === "EC PRIVATE KEY"))
      throw badParameter("The private key must be an unencrypted PKCS#8 PEM block (-----BEGIN PRIVATE KEY-----).");
    if (keys.length !== 1 || certs.length === 0) throw badParameter(PEM_FORMAT);
    try {
      return { key: await readPkcs8(keys[0]![1]), chain: certs.map(([, b]) => readCertificate(b)), contentType: PEM };
    } catch (e) {
      if (e instanceof Asn1Error || e instanceof TypeError || e instanceof RangeError) throw badParameter(PEM_FORMAT);
      throw e;
    }
  }
  const bytes = fromB64(value.replace(/\s+/g, ""));
  if (!bytes || bytes.length === 0) throw badParameter(PFX_FORMAT);
  try {
    const p12 = await readPkcs12(bytes, password);
    if (!p12.key) throw badParameter(`${PFX_FORMAT} It holds no private key.`);
    return { key: p12.key, chain: p12.certs.map((b) => readCertificate(b)), contentType: PKCS12 };
  } catch (e) {
    if (e instanceof Pkcs12Error && e.reason === "password")
      throw badParameter("The specified PKCS#12 X.509 certificate content can not be read: the password is wrong or missing.");
    if (e instanceof Pkcs12Error && e.reason === "unsupported") throw badParameter(`${PFX_FORMAT} ${e.message}`);
    if (e instanceof Pkcs12Error || e instanceof Asn1Error || e instanceof TypeError || e instanceof RangeError)
      throw badParameter(PFX_FORMAT);
    throw e;
  }
}

/** POST /certificates/{name}/import: a new version from PEM or PKCS#12, policy derived from the certificate. */
export async function importCertificate(c: CertsContext, name: string): Promise<Answer> {
  checkName(name);
  const body = objectBody(c.ctx);
  if (typeof body.value !== "string" || !body.value) throw badParameter("Property 'value' (the certificate) is required.");
  if (body.pwd !== undefined && body.pwd !== null && typeof body.pwd !== "string") throw badParameter("Property 'pwd' must be a string.");
  const requested = body.policy === undefined || body.policy === null ? undefined : objectOf(body.policy, "policy");
  const ctIn = (requested?.secret_props as Record<string, unknown> | undefined)?.contentType;
  const { key, chain, contentType } = await importedContents(body.value, (body.pwd as string | undefined) ?? "", ctIn === PEM);
  // The leaf is the certificate whose key is the private key (PEM may list the chain in any order).
  const leafAt = chain.findIndex((x) => sameKey(x.publicKey, publicOf(key)));
  if (leafAt < 0) throw badParameter("The private key does not match the public key of the certificate.");
  const ordered = [chain[leafAt]!, ...chain.filter((_, i) => i !== leafAt)];
  const leaf = ordered[0]!;
  const policy = importedPolicy(leaf, contentType, requested, c.ctx.nowSeconds);
  if (ctIn === PKCS12 || ctIn === PEM) policy.secret_props.contentType = ctIn as string;
  const attrs = body.attributes === undefined || body.attributes === null ? {} : objectOf(body.attributes, "attributes");
  const tags = parseTags(body.tags, "certificate");
  const secret = await secretValue(
    key,
    ordered.map((x) => x.der),
    policy,
  );
  const x5t = await thumbprint(leaf.der);
  checkNameFree(c, name);
  const now = c.ctx.nowSeconds;
  const v: CertificateVersion = { version: randomVersion(), enabled: true, nbf: leaf.nbf, exp: leaf.exp, created: now, updated: now };
  if (tags) v.tags = Object.entries(tags);
  let e = c.store.certificate(name);
  if (!e) c.store.live.set(name.toLowerCase(), (e = { name, versions: [], policy }));
  else e.policy = requested ? policy : { ...policy, lifetime_actions: e.policy.lifetime_actions };
  e.versions.push(v);
  link(c, e, v, key, leaf, secret, x5t);
  if (attrs.enabled === false) v.enabled = false;
  return { status: 200, body: c.store.bundle(e, v) };
}

// --- delete, deleted certificates, recover, purge ---

function deletedBundle(c: CertsContext, d: DeletedCertificate): Record<string, unknown> {
  return { ...c.store.deletedFields(d), ...c.store.bundle(d.entry, currentVersion(d.entry)) };
}

/** DELETE /certificates/{name}: soft delete of every version, with its key and secret. */
export function deleteCertificate(c: CertsContext, name: string): Answer {
  const e = live(c, name);
  const now = c.ctx.nowSeconds;
  const d: DeletedCertificate = {
    entry: e,
    deletedDate: now,
    scheduledPurgeDate: now + c.store.info.recoverableDays * 86400,
    readyAtMs: c.ctx.nowMs + c.ctx.deletionDelayMs,
  };
  c.store.live.delete(name.toLowerCase());
  c.store.deleted.set(name.toLowerCase(), d);
  const key = c.ctx.store.key(e.name);
  if (key?.versions.some((v) => v.managed)) c.ctx.store.softDelete(key, now, c.ctx.nowMs, c.ctx.deletionDelayMs);
  const secrets = c.secrets();
  const secret = secrets.secret(e.name);
  if (secret?.versions.some((v) => v.managed)) {
    secrets.live.delete(e.name.toLowerCase());
    secrets.deleted.set(e.name.toLowerCase(), {
      entry: secret,
      deletedDate: d.deletedDate,
      scheduledPurgeDate: d.scheduledPurgeDate,
      readyAtMs: d.readyAtMs,
    });
  }
  return { status: 200, body: deletedBundle(c, d) };
}

function visibleDeleted(c: CertsContext, name: string): DeletedCertificate {
  checkName(name);
  const d = c.store.deletedCertificate(name);
  if (!d || d.readyAtMs > c.ctx.nowMs) throw deletedNotFound(name);
  return d;
}

/** GET /deletedcertificates/{name} */
export function getDeletedCertificate(c: CertsContext, name: string): Answer {
  return { status: 200, body: deletedBundle(c, visibleDeleted(c, name)) };
}

/** GET /deletedcertificates */
export function listDeletedCertificates(c: CertsContext): Answer {
  const pending = includePending(c);
  const items = [...c.store.deleted.values()]
    .filter((d) => d.readyAtMs <= c.ctx.nowMs && (pending || d.entry.versions.some((v) => v.cer)))
    .sort((a, b) => byName(a.entry.name, b.entry.name))
    .map((d) => ({ ...c.store.deletedFields(d), ...c.store.item(d.entry, currentVersion(d.entry), false) }));
  return { status: 200, body: page(c.ctx, items) };
}

/** DELETE /deletedcertificates/{name}: purges the certificate, its key and its secret. */
export function purgeDeletedCertificate(c: CertsContext, name: string): Answer {
  checkName(name);
  refusePurgeIfProtected(c.store.info);
  const d = visibleDeleted(c, name);
  c.store.deleted.delete(name.toLowerCase());
  const key = c.ctx.store.deletedKey(d.entry.name);
  if (key?.entry.versions.some((v) => v.managed)) c.ctx.store.purge(key);
  const secrets = c.secrets();
  if (secrets.deletedSecret(d.entry.name)?.entry.versions.some((v) => v.managed)) secrets.deleted.delete(d.entry.name.toLowerCase());
  return { status: 204 };
}

/** POST /deletedcertificates/{name}/recover: the certificate, its key and its secret come back. */
export function recoverDeletedCertificate(c: CertsContext, name: string): Answer {
  checkName(name);
  const d = c.store.deletedCertificate(name);
  if (!d) throw certificateNotFound(name);
  if (d.readyAtMs > c.ctx.nowMs) throw conflict(`Certificate ${name} is currently being deleted.`, "ObjectIsBeingDeleted");
  c.store.deleted.delete(name.toLowerCase());
  const visibleAt = c.ctx.nowMs + c.ctx.deletionDelayMs;
  d.entry.visibleAtMs = visibleAt;
  c.store.live.set(name.toLowerCase(), d.entry);
  const key = c.ctx.store.deletedKey(d.entry.name);
  if (key?.entry.versions.some((v) => v.managed)) c.ctx.store.recover(key, visibleAt);
  const secrets = c.secrets();
  const secret = secrets.deletedSecret(d.entry.name);
  if (secret?.entry.versions.some((v) => v.managed)) {
    secrets.deleted.delete(d.entry.name.toLowerCase());
    secret.entry.visibleAtMs = visibleAt;
    secrets.live.set(d.entry.name.toLowerCase(), secret.entry);
  }
  return { status: 200, body: c.store.bundle(d.entry, currentVersion(d.entry)) };
}

// --- backup and restore ---

const BACKUP_MAGIC = utf8("KVFETCH-EMULATOR-CERTIFICATE-BACKUP-V1:");

/** POST /certificates/{name}/backup: an opaque, sealed blob with the certificate, its key and its secret. */
export async function backupCertificate(c: CertsContext, name: string): Promise<Answer> {
  const e = live(c, name);
  const key = c.ctx.store.key(e.name);
  const secret = c.secrets().secret(e.name);
  const { operation: _, ...entry } = e;
  const plain = utf8(JSON.stringify({ certificate: entry, key: key ? serializeEntry(key) : null, secret: secret ?? null }));
  return { status: 200, body: { value: b64url(concat(BACKUP_MAGIC, await c.ctx.seal(plain))) } };
}

/** POST /certificates/restore: into a name no certificate, key or secret holds (live or deleted). */
export async function restoreCertificate(c: CertsContext): Promise<Answer> {
  const body = objectBody(c.ctx);
  if (body.value === undefined || body.value === null) throw badParameter("Property 'value' (the backup blob) is required.");
  const blob = fromB64(body.value);
  if (!blob || blob.length <= BACKUP_MAGIC.length || !BACKUP_MAGIC.every((b, i) => blob[i] === b)) throw malformedBackup();
  const plain = await c.ctx.open(blob.subarray(BACKUP_MAGIC.length));
  if (!plain) throw malformedBackup();
  let entry: CertificateEntry, key: KeyEntry | undefined, secret: SecretEntry | undefined;
  try {
    const parsed = JSON.parse(fromUtf8(plain)) as { certificate: unknown; key: unknown; secret: unknown };
    entry = checkCertificate(parsed.certificate);
    key = parsed.key ? deserializeEntry(parsed.key) : undefined;
    secret = parsed.secret ? checkEntry(parsed.secret) : undefined;
  } catch {
    throw malformedBackup();
  }
  const secrets = c.secrets();
  const n = entry.name;
  if (
    c.store.certificate(n) ||
    c.store.deletedCertificate(n) ||
    c.ctx.store.key(n) ||
    c.ctx.store.deletedKey(n) ||
    secrets.secret(n) ||
    secrets.deletedSecret(n)
  )
    throw conflict(
      `There was a conflict restoring the certificate '${c.store.idBase(n)}'. This can happen if either: a second certificate with the same name was created after the first certificate was deleted; thus trying to restore a certificate whose name is already in use. To fix this, rename the second certificate to something else so that the restore works.`,
    );
  c.store.live.set(n.toLowerCase(), entry);
  if (key) c.ctx.store.restore(key);
  if (secret) secrets.live.set(n.toLowerCase(), secret);
  return { status: 200, body: c.store.bundle(entry, currentVersion(entry)) };
}

// --- time ---

/** What the clock made due: operations to complete, lifetime actions, purge dates. Returns what happened. */
export async function sweepCertificates(c: CertsContext): Promise<{ kind: string; id: string }[]> {
  const events: { kind: string; id: string }[] = [];
  for (const [k, d] of c.store.deleted)
    if (d.scheduledPurgeDate <= c.ctx.nowSeconds) {
      c.store.deleted.delete(k);
      events.push({ kind: "certificate-purged", id: c.store.idBase(d.entry.name) });
    }
  for (const e of [...c.store.live.values()]) {
    const op = e.operation;
    if (op?.status === "inProgress" && op.dueAtMs <= c.ctx.nowMs) {
      if (op.cancellationRequested) {
        op.status = "cancelled";
        op.statusDetails = "The certificate request was cancelled.";
      } else {
        try {
          await issueSelfSigned(c, e, op);
        } catch (err) {
          // The name's key or secret is taken meanwhile (say, a deleted key holds it): the operation fails, the vault goes on.
          if (!(err instanceof ServiceError)) throw err;
          op.status = "failed";
          op.statusDetails = err.message;
          op.error = { code: err.code, message: err.message };
        }
      }
      events.push({ kind: `certificate-${op.status}`, id: c.store.idBase(e.name) });
    }
    const v = currentVersion(e);
    if (!v.cer || e.operation?.status === "inProgress") continue;
    for (const [i, a] of e.policy.lifetime_actions.entries()) {
      if (v.actionsDone?.includes(i)) continue;
      const t = a.trigger;
      const due =
        t.lifetime_percentage !== undefined
          ? v.nbf + ((v.exp - v.nbf) * t.lifetime_percentage) / 100
          : v.exp - (t.days_before_expiry ?? 0) * 86400;
      if (c.ctx.nowSeconds < due) continue;
      (v.actionsDone ??= []).push(i);
      if (a.action.action_type === "EmailContacts") {
        // The emulator sends no e-mail: the event says who would have got one.
        events.push({ kind: "certificate-email-contacts", id: `${c.store.idBase(e.name)}/${v.version}` });
      } else if (e.policy.issuer.name.toLowerCase() !== "unknown") {
        const { op: renewal } = await startOperation(c, e, e.name, e.policy, { tags: v.tags });
        if (c.issueDelayMs === 0 && renewal.dueAtMs !== Number.POSITIVE_INFINITY) await issueSelfSigned(c, e, renewal);
        events.push({ kind: "certificate-renewed", id: `${c.store.idBase(e.name)}/${renewal.version}` });
      }
    }
  }
  return events;
}
