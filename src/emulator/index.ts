// keyvault-fetch/emulator: in-process Azure Key Vaults (keys) and an Entra token authority.
export { createEmulator, openEmulator, EmulatorTokenError } from "./emulator.js";
export type {
  Emulator, EmulatorOptions, EmulatorPersistence, EmulatorSweepEvent, EmulatorTokenRequest, EmulatorVault, EmulatorVaultOptions,
  KeyPermission, RequestLogEntry,
} from "./emulator.js";
export { createClock, durationMs } from "./clock.js";
export type { EmulatorClock } from "./clock.js";
export { EmulatorStateError } from "./state/format.js";
export type { EmulatorStateErrorCode, StateKey } from "./state/format.js";
export type { StateStorage } from "./state/persister.js";
export type { VaultState } from "./vault/service.js";
export type { SecretPermission } from "./vault/secrets-router.js";
export { Faults, seededRandom } from "./faults.js";
export type { ActiveFault, FaultSpec, FaultTarget } from "./faults.js";
export type { ClientRegistration, MintOptions } from "./identity/authority.js";
export type { FederatedCredential } from "./identity/federation.js";
export type { ManagedIdentityInfo, EmulatorManagedIdentityOptions } from "./identity/managed-identity.js";
export { SUPPORTED_API_VERSIONS } from "./vault/api-version.js";
