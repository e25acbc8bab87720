// keyvault-fetch/emulator: an in-process Azure Key Vault (keys) and Entra token authority.
export { createEmulator, EmulatorTokenError } from "./emulator.js";
export type { Emulator, EmulatorOptions, EmulatorTokenRequest, KeyPermission, RequestLogEntry } from "./emulator.js";
export { Faults, seededRandom } from "./faults.js";
export type { ActiveFault, FaultSpec, FaultTarget } from "./faults.js";
export type { ClientRegistration, MintOptions } from "./identity/authority.js";
export type { FederatedCredential } from "./identity/federation.js";
export type { ManagedIdentityInfo, EmulatorManagedIdentityOptions } from "./identity/managed-identity.js";
export { SUPPORTED_API_VERSIONS } from "./vault/service.js";
export type { SecretPermission } from "./vault/secrets-router.js";
