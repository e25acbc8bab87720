// Random bytes from a Managed HSM's generator: POST /rng.
import type { KeyVaultClient } from "../client.js";
import { base64UrlDecode } from "../encoding.js";
import { invalid } from "./ids.js";
import type { OperationOptions } from "./types.js";
import { request } from "../request.js";
import { answerStrings, checkClient, describe, optionsOf } from "../input.js";

/**
 * Gets 1 to 128 random bytes from a Managed HSM.
 * @example const nonce = await getRandomBytes(client, 32);
 */
export async function getRandomBytes(client: KeyVaultClient, count: number, opts?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> {
  checkClient(client, "getRandomBytes");
  const options = optionsOf(opts, "getRandomBytes");
  if (!Number.isInteger(count) || count < 1 || count > 128)
    throw invalid(`getRandomBytes takes a count from 1 to 128; got ${typeof count === "number" ? count : describe(count)}`);
  const res = answerStrings<{ value: string }>(
    await request(client, "POST", "/rng", { count }, { signal: options.signal }),
    "random bytes",
    "value",
  );
  return base64UrlDecode(res.value);
}
