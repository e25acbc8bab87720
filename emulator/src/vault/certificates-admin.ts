// Certificate contacts and issuers, as recorded (certificates__contacts-set-get-delete.json,
// certificates__issuer-crud.json). Issuers are stored and listed; the emulator never calls one.
import { ServiceError, badParameter } from "../errors.js";
import type { CertsContext } from "./certificates.js";
import type { Issuer } from "./certificates-store.js";
import { checkName, objectBody, type Answer } from "./context.js";
import { page } from "./paging.js";

const contactsNotFound = (): ServiceError => new ServiceError(404, "ContactsNotFound", "Contacts not found");
const issuerNotFound = (): ServiceError => new ServiceError(404, "CertificateIssuerNotFound", "Issuer not found");

const contactsBody = (c: CertsContext, list: Record<string, unknown>[]) => ({
  id: `${c.store.info.url}/certificates/contacts`,
  contacts: list,
});

/** PUT /certificates/contacts */
export function setContacts(c: CertsContext): Answer {
  const list = objectBody(c.ctx).contacts;
  if (!Array.isArray(list)) throw badParameter("Property 'contacts' must be an array.");
  const contacts = list.map((x) => {
    if (!x || typeof x !== "object" || Array.isArray(x)) throw badParameter("Each contact must be an object.");
    const out: Record<string, unknown> = {};
    for (const k of ["email", "name", "phone"]) {
      const v = (x as Record<string, unknown>)[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") throw badParameter(`Property 'contacts[].${k}' must be a string.`);
      out[k] = v;
    }
    if (!out.email) throw badParameter("Each contact needs an email address.");
    return out;
  });
  c.store.contacts = contacts;
  return { status: 200, body: contactsBody(c, contacts) };
}

/** GET /certificates/contacts */
export function getContacts(c: CertsContext): Answer {
  if (!c.store.contacts) throw contactsNotFound();
  return { status: 200, body: contactsBody(c, c.store.contacts) };
}

/** DELETE /certificates/contacts: answers the contacts it removed. */
export function deleteContacts(c: CertsContext): Answer {
  const list = c.store.contacts;
  if (!list) throw contactsNotFound();
  c.store.contacts = undefined;
  return { status: 200, body: contactsBody(c, list) };
}

function section(v: unknown, name: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw badParameter(`Property '${name}' must be an object.`);
  return v as Record<string, unknown>;
}

/** Applies a PUT or PATCH body to an issuer. The service adds `zip: 0` to org_details and never answers a password. */
function applyIssuer(body: Record<string, unknown>, i: Issuer): void {
  if (body.provider !== undefined) {
    if (typeof body.provider !== "string" || !body.provider) throw badParameter("Property 'provider' must be a string.");
    i.provider = body.provider;
  }
  const credentials = section(body.credentials, "credentials");
  if (credentials) {
    const { pwd: _, ...shown } = credentials;
    i.credentials = shown;
  }
  const org = section(body.org_details, "org_details");
  if (org) i.org_details = { zip: 0, ...org };
  const attrs = section(body.attributes, "attributes");
  if (attrs?.enabled !== undefined) {
    if (typeof attrs.enabled !== "boolean") throw badParameter("Property 'attributes.enabled' must be a boolean.");
    i.enabled = attrs.enabled;
  }
}

function issuerOf(c: CertsContext, name: string): Issuer {
  checkName(name);
  const i = c.store.issuers.get(name.toLowerCase());
  if (!i) throw issuerNotFound();
  return i;
}

/** PUT /certificates/issuers/{name} */
export function setIssuer(c: CertsContext, name: string): Answer {
  checkName(name);
  const body = objectBody(c.ctx);
  if (typeof body.provider !== "string" || !body.provider) throw badParameter("Property 'provider' is required.");
  if (["self", "unknown"].includes(name.toLowerCase())) throw badParameter(`The issuer name '${name}' is reserved.`);
  const now = c.ctx.nowSeconds;
  const i: Issuer = { name, provider: body.provider, enabled: true, created: now, updated: now };
  applyIssuer(body, i);
  c.store.issuers.set(name.toLowerCase(), i);
  return { status: 200, body: c.store.issuer(i) };
}

/** PATCH /certificates/issuers/{name} */
export function updateIssuer(c: CertsContext, name: string): Answer {
  const body = objectBody(c.ctx);
  const i = issuerOf(c, name);
  applyIssuer(body, i);
  i.updated = c.ctx.nowSeconds;
  return { status: 200, body: c.store.issuer(i) };
}

/** GET /certificates/issuers/{name} */
export function getIssuer(c: CertsContext, name: string): Answer {
  return { status: 200, body: c.store.issuer(issuerOf(c, name)) };
}

/** DELETE /certificates/issuers/{name}: answers the issuer it removed. */
export function deleteIssuer(c: CertsContext, name: string): Answer {
  const i = issuerOf(c, name);
  c.store.issuers.delete(name.toLowerCase());
  return { status: 200, body: c.store.issuer(i) };
}

/** GET /certificates/issuers */
export function listIssuers(c: CertsContext): Answer {
  const items = [...c.store.issuers.values()]
    .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1))
    .map((i) => ({ id: `${c.store.info.url}/certificates/issuers/${i.name}`, provider: i.provider }));
  return { status: 200, body: page(c.ctx, items) };
}
