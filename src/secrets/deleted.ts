// Soft delete and what follows it: delete, get a deleted secret, recover, purge. Deletion and
// recovery complete in the background; `wait` looks until they have, without a poller object.
import type { KeyVaultClient } from "../client.js";
import { KeyVaultError } from "../errors.js";
import { send } from "./http.js";
import { checkSecretName } from "./ids.js";
import { toDeletedSecret, toSecretProperties, type RestSecret } from "./model.js";
import type { DeletedSecret, OperationOptions, SecretProperties } from "./types.js";
import { pollUntil, waitSettings, type WaitableOptions } from "./wait.js";
import { checkClient, optionsOf } from "../input.js";

/**
 * Deletes a secret with all its versions. With soft delete (the default) it can be recovered until
 * its `scheduledPurgeDate`. The service completes a deletion in the background: `wait` looks
 * (`GET /deletedsecrets/{name}`) until it has, so a purge or recover right after succeeds.
 * @example
 * const deleted = await deleteSecret(client, "old", { wait: true });
 * await purgeDeletedSecret(client, "old");
 */
export async function deleteSecret(client: KeyVaultClient, name: string, opts?: WaitableOptions): Promise<DeletedSecret> {
  checkClient(client, "deleteSecret");
  checkSecretName(name);
  const options = optionsOf(opts, "deleteSecret");
  const settings = waitSettings(options);
  const signal = options.signal ? { signal: options.signal } : {};
  // Not repeated on 5xx: a retry after a lost answer would turn a success into a 404.
  const deleted = toDeletedSecret(
    await send<RestSecret>(client, "DELETE", `/secrets/${name}`, undefined, { ...signal, idempotent: false }),
  );
  if (!settings) return deleted;
  return pollUntil(() => getDeletedSecret(client, name, options), settings, `deletion of secret ${name}`, options.signal);
}

/**
 * Gets a deleted secret (its properties; the service sends no value).
 * @example const d = await getDeletedSecret(client, "old"); d.scheduledPurgeDate;
 */
export async function getDeletedSecret(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<DeletedSecret> {
  checkClient(client, "getDeletedSecret");
  checkSecretName(name);
  const options = optionsOf(opts, "getDeletedSecret");
  return toDeletedSecret(
    await send<RestSecret>(client, "GET", `/deletedsecrets/${name}`, undefined, options.signal ? { signal: options.signal } : {}),
  );
}

/**
 * Recovers a deleted secret with all its versions. The service completes recovery in the
 * background: `wait` looks (`GET /secrets/{name}/`) until the secret answers again. Retried only on 429.
 * @example const props = await recoverDeletedSecret(client, "old", { wait: { timeoutMs: 30_000 } });
 */
export async function recoverDeletedSecret(client: KeyVaultClient, name: string, opts?: WaitableOptions): Promise<SecretProperties> {
  checkClient(client, "recoverDeletedSecret");
  checkSecretName(name);
  const options = optionsOf(opts, "recoverDeletedSecret");
  const settings = waitSettings(options);
  const signal = options.signal ? { signal: options.signal } : {};
  const recovered = toSecretProperties(
    await send<RestSecret>(client, "POST", `/deletedsecrets/${name}/recover`, undefined, { ...signal, idempotent: false }),
  );
  if (!settings) return recovered;
  await pollUntil(
    async () => {
      try {
        await send(client, "GET", `/secrets/${name}/`, undefined, signal);
      } catch (e) {
        // A disabled secret answers 403 SecretDisabled: it is back, just not readable.
        if (
          !(e instanceof KeyVaultError && e.status === 403 && (e.innerError as { code?: unknown } | undefined)?.code === "SecretDisabled")
        )
          throw e;
      }
    },
    settings,
    `recovery of secret ${name}`,
    options.signal,
  );
  return recovered;
}

/**
 * Deletes a deleted secret for good (needs the purge permission; refused where purge protection is on).
 * @example await purgeDeletedSecret(client, "old");
 */
export async function purgeDeletedSecret(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<void> {
  checkClient(client, "purgeDeletedSecret");
  checkSecretName(name);
  const options = optionsOf(opts, "purgeDeletedSecret");
  await send<void>(client, "DELETE", `/deletedsecrets/${name}`, undefined, {
    ...(options.signal ? { signal: options.signal } : {}),
    idempotent: false,
  });
}
