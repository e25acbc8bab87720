// What a request that got no answer says: the host it was for, and the failure's own code and message
// (runtimes bury them: Node's fetch says "fetch failed", the reason is in its cause).
import { KeyVaultClientError } from "./errors.js";
import { redact, redactError } from "./redact.js";

// Node's names for a certificate it does not trust (undici passes them as `cause.code`).
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** The innermost error of a failure's `cause` chain that says more than "fetch failed", and its `code`. */
function rootOf(failure: unknown): { code: string | undefined; message: string } {
  let code: string | undefined;
  let message = "";
  let e = failure as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++, e = e.cause as typeof e) {
    if (typeof e.code === "string" && e.code) code = e.code;
    if (typeof e.message === "string" && e.message) message = e.message;
    if (typeof e !== "object") message = String(e);
  }
  return { code, message };
}

/**
 * Whether a request failed on a certificate the runtime does not trust: retrying cannot heal it.
 * @example
 * isCertificateFailure(new TypeError("fetch failed", { cause: { code: "DEPTH_ZERO_SELF_SIGNED_CERT" } })); // true
 */
export function isCertificateFailure(failure: unknown): boolean {
  const { code, message } = rootOf(failure);
  return CERTIFICATE.test(code ?? "") || /certificate/i.test(message);
}

/**
 * `ERR_NETWORK` for a request to `url` that got no answer: it names the host and the failure's
 * code and message (redacted, with `secrets` too); its cause is the failure, redacted.
 * @example
 * networkError("https://myvault.vault.azure.net/keys", refused).message; // "could not reach myvault.vault.azure.net: ECONNREFUSED"
 */
export function networkError(url: string, failure: unknown, secrets?: readonly (string | undefined)[]): KeyVaultClientError {
  const { code, message } = rootOf(failure);
  const said = redact(message, secrets).slice(0, 200);
  const detail = isCertificateFailure(failure)
    ? `certificate not trusted (${code ?? said}); for the emulator set NODE_EXTRA_CA_CERTS`
    : code
      ? said.includes(code)
        ? said
        : `${code}${said ? ` (${said})` : ""}`
      : said || "fetch failed";
  return new KeyVaultClientError("ERR_NETWORK", `could not reach ${new URL(url).host}: ${detail}`, {
    cause: redactError(failure, secrets),
  });
}
