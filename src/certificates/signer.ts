// What signing with a certificate's key in the vault needs to know: the key version that signs
// for the certificate's newest version, its DER (for x5c) and thumbprint (x5t#S256), and its key
// type from the policy (no DER parsing: this module stays small for jose and entra).
import type { KeyVaultClient } from "../client.js";
import { base64UrlDecode, base64UrlEncode } from "../encoding.js";
import { answerObject, badAnswer } from "../input.js";
import { request } from "../request.js";

/** @internal A certificate version as a signer sees it. */
export interface CertificateSigner {
  /** The versioned key identifier (`https://{vault}/keys/{name}/{version}`). */
  kid: string;
  cer: Uint8Array<ArrayBuffer>;
  /** `RSA` or `EC` (an `-HSM` suffix dropped). */
  kty: string;
  crv?: string;
  x5tS256: string;
}

/** @internal Reads a certificate's newest version: which key signs for it, and its thumbprint. */
export async function certificateSigner(client: KeyVaultClient, name: string, signal?: AbortSignal): Promise<CertificateSigner> {
  const bundle = answerObject<{ kid?: unknown; cer?: unknown; policy?: { key_props?: { kty?: unknown; crv?: unknown } } }>(
    await request(client, "GET", `/certificates/${name}/`, undefined, signal ? { signal } : {}),
    "a certificate",
  );
  if (typeof bundle.kid !== "string" || typeof bundle.cer !== "string" || !bundle.cer)
    throw badAnswer(`(certificate ${name}) has no key or certificate yet: is its creation still pending?`);
  const cer = base64UrlDecode(bundle.cer);
  const key = bundle.policy?.key_props ?? {};
  const signer: CertificateSigner = {
    kid: bundle.kid,
    cer,
    kty: String(key.kty ?? "RSA").replace(/-HSM$/i, ""),
    x5tS256: base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", cer))),
  };
  if (typeof key.crv === "string") signer.crv = key.crv;
  return signer;
}

/** @internal Signs `input` (text) with a vault key version: the digest is made here, the signature in the vault. */
export async function signInVault(client: KeyVaultClient, kid: string, alg: string, input: string, signal?: AbortSignal): Promise<string> {
  const hash = `SHA-${alg.slice(2, 5)}`;
  const digest = new Uint8Array(await crypto.subtle.digest(hash, new TextEncoder().encode(input)));
  const answer = await request<{ value?: unknown }>(
    client,
    "POST",
    `${kid}/sign`,
    { alg, value: base64UrlEncode(digest) },
    signal ? { signal } : {},
  );
  if (typeof answer?.value !== "string") throw badAnswer("to sign has no value");
  return answer.value;
}
