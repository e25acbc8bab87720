// The secrets side of a vault: routes /secrets and /deletedsecrets to their handlers, with the
// access policy's secret permissions and, on request, the service's published throttling limits.
import { ServiceError } from "../errors.js";
import { pathSegments, type Answer, type VaultContext } from "./context.js";
import { SecretStore, type SecretVaultInfo } from "./secrets-store.js";
import {
  backupSecret,
  deleteSecret,
  getDeletedSecret,
  getSecret,
  listDeletedSecrets,
  listSecretVersions,
  listSecrets,
  purgeDeletedSecret,
  recoverDeletedSecret,
  restoreSecret,
  setSecret,
  updateSecret,
  type SecretsContext,
} from "./secrets.js";
import { SecretThrottle } from "./secrets-throttle.js";

/**
 * Secret permissions of a Key Vault access policy.
 * @example
 * const permissions: SecretPermission[] = ["get", "list"];
 * emu.registerClient({ clientId: "reader-app", clientSecret: "s3cret", secretPermissions: permissions });
 */
export type SecretPermission = "get" | "list" | "set" | "delete" | "backup" | "restore" | "recover" | "purge";

const notFound = (): ServiceError => new ServiceError(404, "NotFound", "The requested operation or resource does not exist.");
// As recorded for PUT /secrets/ (an empty name).
const notAllowed = (method: string): ServiceError => new ServiceError(405, "MethodNotAllowed", `HTTP ${method} not allowed`);

/** The secrets of one vault, their access policies and their throttle. */
export class SecretVault {
  store: SecretStore;
  /** Secret permissions by lower-case client id; a client without an entry may do everything. */
  readonly policies = new Map<string, Set<string>>();
  /** Counts requests against the service's limits when `serviceLimits` is on. */
  readonly throttle = new SecretThrottle();
  /** Answer 429 past 4,000 reads or 300 writes per 10 s, as the service does. */
  serviceLimits = false;

  constructor(readonly info: SecretVaultInfo) {
    this.store = new SecretStore(info);
  }

  /** Whether a path belongs to the secrets side (checked on the raw path, before any decoding). */
  static serves(pathname: string): boolean {
    return /^\/(secrets|deletedsecrets)(\/|$)/i.test(pathname);
  }

  /** Sets (or with `undefined` lifts) a client's secret permissions. */
  setPermissions(clientId: string, permissions: readonly SecretPermission[] | undefined): void {
    const key = clientId.toLowerCase();
    if (permissions) this.policies.set(key, new Set(permissions.map((p) => p.toLowerCase())));
    else this.policies.delete(key);
  }

  /** Serves one secrets request; throws ServiceError for the service's error answers. */
  async route(ctx: VaultContext, claims: Record<string, unknown>, method: string, pathname: string): Promise<Answer> {
    this.store.sweep(ctx.nowMs);
    const seg = pathSegments(pathname);
    const [root = "", name, a, extra] = seg;
    const deleted = root.toLowerCase() === "deletedsecrets";
    const s: SecretsContext = { ctx, store: this.store };
    const allow = (permission: SecretPermission, write = false) => {
      if (this.serviceLimits) this.throttle.take(write ? "write" : "read", ctx.nowMs);
      this.require(claims, permission);
    };

    if (extra !== undefined) throw notFound();
    if (deleted) {
      if (name === undefined || name === "") {
        if (a !== undefined) throw notFound();
        if (method !== "GET") throw notAllowed(method);
        allow("list");
        return listDeletedSecrets(s);
      }
      if (a === undefined || a === "") {
        if (method === "GET") {
          allow("get");
          return getDeletedSecret(s, name);
        }
        if (method === "DELETE") {
          allow("purge");
          return purgeDeletedSecret(s, name);
        }
        throw notAllowed(method);
      }
      if (a.toLowerCase() !== "recover") throw notFound();
      if (method !== "POST") throw notAllowed(method);
      allow("recover");
      return recoverDeletedSecret(s, name);
    }

    if (name === undefined || name === "") {
      if (a !== undefined) throw notFound();
      if (method !== "GET") throw notAllowed(method);
      allow("list");
      return listSecrets(s);
    }
    if (a === undefined) {
      // /secrets/{name}
      if (method === "POST" && name.toLowerCase() === "restore") {
        allow("restore");
        return restoreSecret(s);
      }
      if (method === "PUT") {
        allow("set", true);
        return setSecret(s, name);
      }
      if (method === "DELETE") {
        allow("delete");
        return deleteSecret(s, name);
      }
      if (method === "GET") {
        allow("get");
        return getSecret(s, name, "");
      }
      if (method === "PATCH") {
        allow("set");
        return updateSecret(s, name, "");
      }
      throw notAllowed(method);
    }
    // /secrets/{name}/{version | "versions" | "backup"}; an empty version is the newest.
    const lower = a.toLowerCase();
    if (lower === "versions" && method === "GET") {
      allow("list");
      return listSecretVersions(s, name);
    }
    if (lower === "backup" && method === "POST") {
      allow("backup");
      return backupSecret(s, name);
    }
    if (method === "GET") {
      allow("get");
      return getSecret(s, name, a);
    }
    if (method === "PATCH") {
      allow("set");
      return updateSecret(s, name, a);
    }
    throw notAllowed(method);
  }

  private require(claims: Record<string, unknown>, permission: SecretPermission): void {
    const appid = String(claims.appid ?? "");
    const allowed = this.policies.get(appid.toLowerCase());
    if (!allowed || allowed.has(permission)) return;
    const vaultName = new URL(this.info.url).hostname.split(".")[0];
    throw new ServiceError(
      403,
      "Forbidden",
      `The user, group or application 'appid=${appid};oid=${String(claims.oid)};iss=${String(claims.iss)}' does not have secrets ${permission} permission on key vault '${vaultName};location=emulator'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      "ForbiddenByPolicy",
    );
  }
}
