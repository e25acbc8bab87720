// The one door to the vault for the secrets helpers: the core's JSON request (token, challenge,
// retries, deadline, KeyVaultError), so every helper shares its rules.
import type { KeyVaultClient } from "../client.js";
import { request, type RequestOptions } from "../request.js";

/** Sends JSON, parses the answer; throws KeyVaultError for non-2xx answers. */
export function send<T>(client: KeyVaultClient, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  return request<T>(client, method, path, body, options);
}
