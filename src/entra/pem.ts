// PEM blocks (RFC 7468) to DER bytes: the certificate chain and the PKCS #8 private key.
import { base64UrlDecode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...) and DER bytes. */
export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
}

/** Every PEM block in `text`, in order; text between blocks (bag attributes, comments) is ignored. */
export function parsePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[2]!.replace(/\s+/g, "");
    let der: Uint8Array<ArrayBuffer>;
    try {
      der = base64UrlDecode(body);
    } catch {
      throw new KeyVaultClientError("ERR_INVALID_INPUT", `the PEM ${m[1]} block is not base64`);
    }
    out.push({ label: m[1]!, der });
  }
  return out;
}

/** The certificates (leaf first, as PEM files list them) and the PKCS #8 private key in PEM text. */
export function certificateParts(pem: string, keyPem?: string): { chain: Uint8Array<ArrayBuffer>[]; pkcs8?: Uint8Array<ArrayBuffer> } {
  const blocks = [...parsePem(pem), ...(keyPem ? parsePem(keyPem) : [])];
  const chain = blocks.filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
  const keys = blocks.filter((b) => b.label.endsWith("PRIVATE KEY"));
  const key = keys[0];
  if (key && key.label !== "PRIVATE KEY") {
    const hint =
      key.label === "RSA PRIVATE KEY"
        ? "a PKCS #1 key: convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem`"
        : "an encrypted or unsupported key: decrypt it to unencrypted PKCS #8 (`openssl pkcs8 -topk8 -nocrypt`)";
    throw new KeyVaultClientError("ERR_UNSUPPORTED", `the private key is ${hint}`);
  }
  return key ? { chain, pkcs8: key.der } : { chain };
}
