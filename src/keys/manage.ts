// Reading, updating and deleting a key: GET/PATCH /keys/{name}/{version}, DELETE /keys/{name},
// and the HSM attestation of a key version.
import type { KeyVaultClient } from "../client.js";
import { invalid, keyPath, resolveKey } from "./ids.js";
import { attributesBody, releasePolicyBody, toDeletedKey, toKey, type RestKeyBundle } from "./model.js";
import { checkKeySettings, type KeyAttributesInput } from "./create.js";
import type { DeletedKey, KeyOperation, KeyVaultKey, OperationOptions } from "./types.js";
import { begin, request } from "../request.js";
import { checkClient, checkType, checkVersion, describe, optionsOf } from "../input.js";

/**
 * Gets a key: the newest version, or the one named by `version` (or by `key` as `"name/version"` or
 * a full key identifier).
 * @example
 * const latest = await getKey(client, "signer");
 * const pinned = await getKey(client, "signer", "0123456789abcdef0123456789abcdef");
 */
export function getKey(client: KeyVaultClient, key: string, version?: string, opts?: OperationOptions): Promise<KeyVaultKey> {
  return begin(() => {
    checkClient(client, "getKey");
    checkVersion(version, "getKey");
    const options = optionsOf(opts, "getKey");
    const address = resolveKey(client, key, version);
    // The SDKs ask for the newest version as `/keys/{name}/`; so do we.
    const path = address.version ? keyPath(address) : `${keyPath(address)}/`;
    return request<RestKeyBundle>(client, "GET", path, undefined, { signal: options.signal }).then(toKey);
  });
}

/**
 * Options of {@link updateKey}: what to change (anything left out stays as it is).
 * @example
 * const changes: UpdateKeyOptions = { version: "0123456789abcdef0123456789abcdef", enabled: false };
 * await updateKey(client, "signer", changes);
 */
export interface UpdateKeyOptions extends KeyAttributesInput, OperationOptions {
  /** The version to update (default: the newest; may also be given in `key`). */
  version?: string;
  keyOps?: KeyOperation[];
}

/**
 * Changes a key version's attributes, tags, allowed operations or release policy.
 * @example
 * await updateKey(client, "signer", { enabled: false });
 * await updateKey(client, key.id, { expiresOn: new Date(Date.now() + 90 * 864e5), tags: { team: "payments" } });
 */
export async function updateKey(client: KeyVaultClient, key: string, opts: UpdateKeyOptions): Promise<KeyVaultKey> {
  checkClient(client, "updateKey");
  if (!opts || typeof opts !== "object") {
    throw invalid(
      `updateKey(client, key, { …changes, version? }) needs the properties to change; got ${describe(opts)}${typeof opts === "string" ? " (the version goes inside: { version })" : ""}`,
    );
  }
  const options = optionsOf(opts, "updateKey");
  checkType(options.version, "string", "updateKey: version");
  checkKeySettings(options, "updateKey");
  const address = resolveKey(client, key, options.version);
  const attributes = attributesBody(options);
  const body = {
    key_ops: options.keyOps,
    attributes: Object.keys(attributes).length ? attributes : undefined,
    tags: options.tags,
    release_policy: options.releasePolicy ? releasePolicyBody(options.releasePolicy) : undefined,
  };
  return toKey(await request<RestKeyBundle>(client, "PATCH", keyPath(address), body, { signal: options.signal }));
}

/**
 * Deletes a key with all its versions. With soft-delete on (the default) it can be recovered until
 * its `scheduledPurgeDate`. Note: Key Vault finishes a deletion in the background, so
 * `getDeletedKey` may answer 404 for a few seconds.
 * @example const deleted = await deleteKey(client, "old-key"); deleted.recoveryId;
 */
export async function deleteKey(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<DeletedKey> {
  checkClient(client, "deleteKey");
  const options = optionsOf(opts, "deleteKey");
  const address = resolveKey(client, name);
  if (address.version) throw invalid("deleteKey deletes every version of a key: pass the name alone");
  // Not repeated on 5xx: a retry after a lost answer would turn a success into a 404.
  return toDeletedKey(
    await request<RestKeyBundle>(client, "DELETE", keyPath(address), undefined, { signal: options.signal, idempotent: false }),
  );
}

/**
 * Gets a key version's HSM attestation (Managed HSM and Premium vaults): the key with
 * `properties.attestation` holding the certificate and attestation blobs as bytes.
 * @example const { properties } = await getKeyAttestation(client, "hsm-key"); properties.attestation?.publicKeyAttestation;
 */
export async function getKeyAttestation(
  client: KeyVaultClient,
  key: string,
  version?: string,
  opts?: OperationOptions,
): Promise<KeyVaultKey> {
  checkClient(client, "getKeyAttestation");
  checkVersion(version, "getKeyAttestation");
  const options = optionsOf(opts, "getKeyAttestation");
  const address = resolveKey(client, key, version);
  // No version: the REST template's empty segment (`/keys/{name}//attestation`) means the newest.
  const path = address.version ? keyPath(address, "attestation") : `/keys/${address.name}//attestation`;
  return toKey(await request<RestKeyBundle>(client, "GET", path, undefined, { signal: options.signal }));
}
