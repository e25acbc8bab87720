// Certificate contacts (whom the vault mails about certificate events) and issuers (CA accounts).
import type { KeyVaultClient } from "../client.js";
import { answerObject, checkClient, describe, invalid, optionsOf } from "../input.js";
import { request } from "../request.js";
import { checkName } from "./ids.js";
import { compact } from "../model.js";
import { fromIssuer, toIssuer } from "./model.js";
import { signalOf } from "./operations.js";
import type { CertificateContact, CertificateIssuer, IssuerInput, OperationOptions } from "./types.js";

function toContacts(b: unknown): CertificateContact[] {
  const list = answerObject<{ contacts?: unknown }>(b, "certificate contacts").contacts;
  return Array.isArray(list) ? list.map((c: CertificateContact) => compact({ email: c.email, name: c.name, phone: c.phone })) : [];
}

/**
 * Reads the vault's certificate contacts (a 404 `ContactsNotFound` when none are set).
 * @example const contacts = await getContacts(client); // [{ email, name, phone }]
 */
export async function getContacts(client: KeyVaultClient, options?: OperationOptions): Promise<CertificateContact[]> {
  checkClient(client, "getContacts");
  const o = optionsOf(options, "getContacts");
  return toContacts(await request(client, "GET", "/certificates/contacts", undefined, signalOf(o)));
}

/**
 * Replaces the vault's certificate contacts.
 * @example await setContacts(client, [{ email: "pki@example.com", name: "PKI team" }]);
 */
export async function setContacts(
  client: KeyVaultClient,
  contacts: CertificateContact[],
  options?: OperationOptions,
): Promise<CertificateContact[]> {
  checkClient(client, "setContacts");
  const o = optionsOf(options, "setContacts");
  if (!Array.isArray(contacts) || !contacts.length)
    throw invalid(`setContacts takes a non-empty array of contacts; got ${describe(contacts)}`);
  for (const c of contacts) {
    if (!c || typeof c !== "object") throw invalid(`each contact must be an object ({ email, name, phone }); got ${describe(c)}`);
    for (const k of ["email", "name", "phone"] as const)
      if (c[k] !== undefined && typeof c[k] !== "string") throw invalid(`contact ${k} must be a string; got ${describe(c[k])}`);
  }
  const body = { contacts: contacts.map((c) => compact({ email: c.email, name: c.name, phone: c.phone })) };
  return toContacts(await request(client, "PUT", "/certificates/contacts", body, signalOf(o)));
}

/**
 * Deletes the vault's certificate contacts; returns the ones deleted.
 * @example await deleteContacts(client);
 */
export async function deleteContacts(client: KeyVaultClient, options?: OperationOptions): Promise<CertificateContact[]> {
  checkClient(client, "deleteContacts");
  const o = optionsOf(options, "deleteContacts");
  return toContacts(await request(client, "DELETE", "/certificates/contacts", undefined, signalOf(o, false)));
}

/**
 * Creates (or replaces) an issuer: a CA account certificates can name as `issuerName`.
 * @example await createIssuer(client, "digicert", { provider: "DigiCert", accountId: "acct", password: env.AZURE_CLIENT_SECRET });
 */
export async function createIssuer(
  client: KeyVaultClient,
  name: string,
  issuer: IssuerInput,
  options?: OperationOptions,
): Promise<CertificateIssuer> {
  checkClient(client, "createIssuer");
  checkName(name, "issuer");
  const o = optionsOf(options, "createIssuer");
  return toIssuer(await request(client, "PUT", `/certificates/issuers/${name}`, fromIssuer(issuer, true), signalOf(o)));
}

/**
 * Reads an issuer (its password is never returned).
 * @example const { provider, accountId } = await getIssuer(client, "digicert");
 */
export async function getIssuer(client: KeyVaultClient, name: string, options?: OperationOptions): Promise<CertificateIssuer> {
  checkClient(client, "getIssuer");
  checkName(name, "issuer");
  const o = optionsOf(options, "getIssuer");
  return toIssuer(await request(client, "GET", `/certificates/issuers/${name}`, undefined, signalOf(o)));
}

/**
 * Changes an issuer (members left out stay).
 * @example await updateIssuer(client, "digicert", { accountId: "acct-2" });
 */
export async function updateIssuer(
  client: KeyVaultClient,
  name: string,
  issuer: IssuerInput,
  options?: OperationOptions,
): Promise<CertificateIssuer> {
  checkClient(client, "updateIssuer");
  checkName(name, "issuer");
  const o = optionsOf(options, "updateIssuer");
  const body = fromIssuer(issuer, false);
  if (!Object.keys(body).length) throw invalid("updateIssuer needs something to change");
  return toIssuer(await request(client, "PATCH", `/certificates/issuers/${name}`, body, signalOf(o)));
}

/**
 * Deletes an issuer; returns it as it was.
 * @example await deleteIssuer(client, "digicert");
 */
export async function deleteIssuer(client: KeyVaultClient, name: string, options?: OperationOptions): Promise<CertificateIssuer> {
  checkClient(client, "deleteIssuer");
  checkName(name, "issuer");
  const o = optionsOf(options, "deleteIssuer");
  return toIssuer(await request(client, "DELETE", `/certificates/issuers/${name}`, undefined, signalOf(o, false)));
}
