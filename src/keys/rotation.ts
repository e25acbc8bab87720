// Rotation: a new version now (POST /keys/{name}/rotate) or by policy (/keys/{name}/rotationpolicy).
import type { KeyVaultClient } from "../client.js";
import { checkName } from "./ids.js";
import { rotationPolicyBody, toKey, toRotationPolicy, type RestKeyBundle, type RestRotationPolicy } from "./model.js";
import type { KeyRotationPolicy, KeyVaultKey, OperationOptions } from "./types.js";
import { request } from "../request.js";
import { checkClient, optionsOf } from "../input.js";

/**
 * Creates a new version of a key now, with the same type and settings.
 * @example const next = await rotateKey(client, "signer"); next.properties.version;
 */
export async function rotateKey(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<KeyVaultKey> {
  checkClient(client, "rotateKey");
  const options = optionsOf(opts, "rotateKey");
  checkName(name);
  return toKey(
    await request<RestKeyBundle>(client, "POST", `/keys/${name}/rotate`, undefined, { signal: options.signal, idempotent: false }),
  );
}

/**
 * Gets a key's rotation policy.
 * @example const policy = await getRotationPolicy(client, "signer"); policy.lifetimeActions;
 */
export async function getRotationPolicy(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<KeyRotationPolicy> {
  checkClient(client, "getRotationPolicy");
  const options = optionsOf(opts, "getRotationPolicy");
  checkName(name);
  return toRotationPolicy(
    await request<RestRotationPolicy>(client, "GET", `/keys/${name}/rotationpolicy`, undefined, { signal: options.signal }),
  );
}

/**
 * Sets a key's rotation policy. Durations are ISO 8601 (`P90D`, `P2Y`); new versions expire after
 * `expiresIn` (at least `P28D`). The service may add a `Notify` action of its own.
 * @example
 * await updateRotationPolicy(client, "signer", {
 *   lifetimeActions: [{ action: "Rotate", timeBeforeExpiry: "P30D" }],
 *   expiresIn: "P90D",
 * });
 */
export async function updateRotationPolicy(
  client: KeyVaultClient,
  name: string,
  policy: Pick<KeyRotationPolicy, "lifetimeActions" | "expiresIn">,
  opts?: OperationOptions,
): Promise<KeyRotationPolicy> {
  checkClient(client, "updateRotationPolicy");
  const options = optionsOf(opts, "updateRotationPolicy");
  checkName(name);
  const body = rotationPolicyBody(policy);
  return toRotationPolicy(
    await request<RestRotationPolicy>(client, "PUT", `/keys/${name}/rotationpolicy`, body, { signal: options.signal }),
  );
}
