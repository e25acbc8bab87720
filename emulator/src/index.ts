/**
 * @keyvault-fetch/emulator: in-process Azure Key Vaults (keys, secrets and certificates) and an Entra ID token
 * authority, on Web APIs only (Node, workerd, Deno, browsers). {@link createEmulator} gives a
 * standard `fetch` that answers for the vaults and the authority as Azure does, so a client
 * configured for Azure runs against it unchanged; faults, a movable clock, access policies and
 * CAE revocation make the hard cases testable.
 * @module @keyvault-fetch/emulator
 * @example
 * import { KeyVaultClient } from "keyvault-fetch";
 * import { createEmulator } from "@keyvault-fetch/emulator";
 * const emulator = createEmulator({ name: "test-vault" });
 * const client = new KeyVaultClient(emulator.vaultUrl, { getToken: emulator.getToken, fetch: emulator.fetch });
 * emulator.faults.add({ route: "POST /keys/signer/sign", status: 429, retryAfter: 1 }); // throttle the next sign
 */
export { createEmulator, openEmulator, EmulatorTokenError } from "./emulator.js";
export type { Jwk, JwkInput } from "./jwk.js";
export type {
  Emulator,
  EmulatorOptions,
  EmulatorPersistence,
  EmulatorSweepEvent,
  EmulatorTokenRequest,
  EmulatorVault,
  EmulatorVaultOptions,
  KeyPermission,
  RequestLogEntry,
} from "./emulator.js";
export { createClock, durationMs } from "./clock.js";
export type { EmulatorClock } from "./clock.js";
export { EmulatorStateError } from "./state/format.js";
export type { EmulatorStateErrorCode, StateKey } from "./state/format.js";
export type { StateStorage } from "./state/persister.js";
export type { VaultState } from "./vault/service.js";
export type { PermissionKind } from "./vault/context.js";
export type { SecretPermission } from "./vault/secrets-router.js";
export type { CertificatePermission } from "./vault/certificates-router.js";
export { Faults, seededRandom } from "./faults.js";
export type { ActiveFault, FaultSpec, FaultTarget } from "./faults.js";
export type { ClientRegistration, MintOptions } from "./identity/authority.js";
export type { FederatedCredential } from "./identity/federation.js";
export type { ManagedIdentityInfo, EmulatorManagedIdentityOptions } from "./identity/managed-identity.js";
export { SUPPORTED_API_VERSIONS } from "./vault/api-version.js";
