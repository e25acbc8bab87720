// The certificates side of a vault: routes /certificates and /deletedcertificates to their handlers,
// with the access policy's certificate permissions, and owns the vault's certificate state.
import { ServiceError } from "../errors.js";
import {
  deleteContacts,
  deleteIssuer,
  getContacts,
  getIssuer,
  listIssuers,
  setContacts,
  setIssuer,
  updateIssuer,
} from "./certificates-admin.js";
import { CertificateStore, type CertificateVaultInfo } from "./certificates-store.js";
import {
  backupCertificate,
  createCertificate,
  deleteCertificate,
  deleteOperation,
  getCertificate,
  getDeletedCertificate,
  getOperation,
  getPolicy,
  importCertificate,
  listCertificates,
  listCertificateVersions,
  listDeletedCertificates,
  mergeCertificate,
  purgeDeletedCertificate,
  recoverDeletedCertificate,
  restoreCertificate,
  sweepCertificates,
  updateCertificate,
  updateOperation,
  updatePolicy,
  type CertsContext,
} from "./certificates.js";
import { pathSegments, type Answer, type VaultContext } from "./context.js";
import type { SecretStore } from "./secrets-store.js";

const notFound = (): ServiceError => new ServiceError(404, "NotFound", "The requested operation or resource does not exist.");
const badMethod = (method: string): ServiceError =>
  new ServiceError(405, "MethodNotAllowed", `The HTTP method '${method}' is not supported for this resource.`);

/**
 * Certificate permissions of a Key Vault access policy.
 * @example
 * const permissions: CertificatePermission[] = ["get", "list"];
 * emu.registerClient({ clientId: "cert-reader", clientSecret: "s3cret", certificatePermissions: permissions });
 */
export type CertificatePermission =
  | "get"
  | "list"
  | "update"
  | "create"
  | "import"
  | "delete"
  | "managecontacts"
  | "getissuers"
  | "listissuers"
  | "setissuers"
  | "deleteissuers"
  | "recover"
  | "purge"
  | "backup"
  | "restore";

type Handler = (c: CertsContext) => Answer | Promise<Answer>;
/** One route: the handler for each method, with the certificate permission it needs. */
type Methods = Partial<Record<string, [permission: CertificatePermission, run: Handler]>>;

/** The certificates of one vault. */
export class CertificateVault {
  store: CertificateStore;
  /** How long a Self-issued certificate takes on the emulator's clock (0: issued within the create call). */
  issueDelayMs: number;

  constructor(
    readonly info: CertificateVaultInfo,
    private readonly secrets: () => SecretStore,
    issueDelayMs: number,
    private readonly now: () => number,
  ) {
    this.store = new CertificateStore(info);
    this.issueDelayMs = issueDelayMs;
  }

  /** Whether a path belongs to the certificates side (checked on the raw path). */
  static serves(pathname: string): boolean {
    return /^\/(certificates|deletedcertificates)(\/|$)/i.test(pathname);
  }

  private context(ctx: VaultContext): CertsContext {
    return { ctx, store: this.store, secrets: this.secrets, issueDelayMs: this.issueDelayMs, now: this.now };
  }

  /** Runs what the emulator's clock made due. */
  sweep(ctx: VaultContext): Promise<{ kind: string; id: string }[]> {
    return sweepCertificates(this.context(ctx));
  }

  /** Serves one certificates request; throws ServiceError for the service's error answers. */
  async route(ctx: VaultContext, method: string, pathname: string): Promise<Answer> {
    const methods = this.match(pathname);
    const m = methods[method];
    if (!m) throw Object.keys(methods).length ? badMethod(method) : notFound();
    ctx.requirePermission(m[0], "certificates");
    return m[1](this.context(ctx));
  }

  /** The methods a path accepts. */
  private match(pathname: string): Methods {
    const seg = pathSegments(pathname);
    const [root = "", name, a, b, extra] = seg;
    if (extra !== undefined) return {};
    if (root.toLowerCase() === "deletedcertificates") {
      if (!name) return a === undefined ? { GET: ["list", listDeletedCertificates] } : {};
      if (a === undefined || a === "")
        return { GET: ["get", (c) => getDeletedCertificate(c, name)], DELETE: ["purge", (c) => purgeDeletedCertificate(c, name)] };
      return a.toLowerCase() === "recover" && b === undefined ? { POST: ["recover", (c) => recoverDeletedCertificate(c, name)] } : {};
    }
    if (!name) return a === undefined ? { GET: ["list", listCertificates] } : {};
    const lowerName = name.toLowerCase();
    if (lowerName === "contacts" && a === undefined)
      return { GET: ["managecontacts", getContacts], PUT: ["managecontacts", setContacts], DELETE: ["managecontacts", deleteContacts] };
    if (lowerName === "issuers") {
      if (a === undefined || a === "") return b === undefined ? { GET: ["listissuers", listIssuers] } : {};
      if (b !== undefined) return {};
      return {
        GET: ["getissuers", (c) => getIssuer(c, a)],
        PUT: ["setissuers", (c) => setIssuer(c, a)],
        PATCH: ["setissuers", (c) => updateIssuer(c, a)],
        DELETE: ["deleteissuers", (c) => deleteIssuer(c, a)],
      };
    }
    if (lowerName === "restore" && a === undefined) return { POST: ["restore", restoreCertificate] };
    if (a === undefined) return { DELETE: ["delete", (c) => deleteCertificate(c, name)], GET: ["get", (c) => getCertificate(c, name, "")] };
    const lower = a.toLowerCase();
    if (lower === "pending") {
      if (b === undefined)
        return {
          GET: ["get", (c) => getOperation(c, name)],
          PATCH: ["update", (c) => updateOperation(c, name)],
          DELETE: ["delete", (c) => deleteOperation(c, name)],
        };
      return b.toLowerCase() === "merge" ? { POST: ["create", (c) => mergeCertificate(c, name)] } : {};
    }
    if (b !== undefined) return {};
    if (lower === "create") return { POST: ["create", (c) => createCertificate(c, name)] };
    if (lower === "import") return { POST: ["import", (c) => importCertificate(c, name)] };
    if (lower === "backup") return { POST: ["backup", (c) => backupCertificate(c, name)] };
    if (lower === "versions") return { GET: ["list", (c) => listCertificateVersions(c, name)] };
    if (lower === "policy") return { GET: ["get", (c) => getPolicy(c, name)], PATCH: ["update", (c) => updatePolicy(c, name)] };
    return { GET: ["get", (c) => getCertificate(c, name, a)], PATCH: ["update", (c) => updateCertificate(c, name, a)] };
  }
}
