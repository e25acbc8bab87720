// A certificate's secret in the other content type: `GET /secrets/{name}?outContentType=application/x-pem-file`
// turns a PKCS#12 secret into PEM (the private key as PKCS#8, then the certificates), as the service does;
// a non-exportable certificate's PKCS#12 holds no key, so its PEM is the certificates only.
import { fromB64 } from "../bytes.js";
import { Pkcs12Error, readPkcs12 } from "../crypto/pkcs12.js";
import { pem, pkcs8 } from "../crypto/x509.js";
import { badParameter } from "../errors.js";

/**
 * PEM text of a PKCS#12 secret value (standard base64, no password); 400 when it is not one.
 * @example
 * const text = await pfxToPem(secret.value); // "-----BEGIN PRIVATE KEY-----\n…-----BEGIN CERTIFICATE-----\n…"
 */
export async function pfxToPem(value: string): Promise<string> {
  const bytes = fromB64(value.replace(/\s+/g, ""));
  try {
    if (!bytes) throw new Pkcs12Error("not base64", "format");
    const { key, certs } = await readPkcs12(bytes, "");
    return (key ? pem("PRIVATE KEY", pkcs8(key)) : "") + certs.map((c) => pem("CERTIFICATE", c)).join("");
  } catch (e) {
    if (e instanceof Pkcs12Error) throw badParameter(`The secret's PKCS#12 content cannot be converted to PEM: ${e.message}`);
    throw e;
  }
}
