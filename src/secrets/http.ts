// The one door to the vault for the secrets helpers: the core's JSON request (token, challenge,
// retries, deadline, KeyVaultError), so every helper shares its rules.
import type { KeyVaultClient, RequestOptions } from "../client.js";

/** Sends JSON, parses the answer; throws KeyVaultError for non-2xx answers. */
export function send<T>(client: KeyVaultClient, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  return client.request<T>(method, path, body, options);
}
