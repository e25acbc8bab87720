// The managed identity endpoints of an Azure host: the instance metadata service (IMDS, VMs and
// AKS) and the App Service / Functions / Container Apps identity endpoint. Both hand out the
// authority's real tokens for one identity, without any credential of the caller's own.
import { b64url, randomBytes, uuid } from "../bytes.js";
import type { Authority } from "./authority.js";
import { inputError } from "../errors.js";

/**
 * Options of the emulated managed identity (createEmulator({ managedIdentity })).
 * @example
 * const managedIdentity: EmulatorManagedIdentityOptions = { clientId: "11111111-2222-3333-4444-555555555555", identityHeader: "header-secret" };
 * const withIdentity = createEmulator({ managedIdentity });
 */
export interface EmulatorManagedIdentityOptions {
  /** Client id of the identity (default: a random UUID). */
  clientId?: string;
  /** Azure resource id of the identity (default: a user-assigned identity id under a random subscription). */
  resourceId?: string;
  /** The App Service IDENTITY_ENDPOINT (default `http://localhost:42356/msi/token`, as on Container Apps). Plain http must be loopback. */
  identityEndpoint?: string;
  /** The App Service IDENTITY_HEADER secret (default: random). */
  identityHeader?: string;
}

/**
 * What a test needs to reach the emulated managed identity.
 * @example
 * const info: ManagedIdentityInfo | undefined = createEmulator({ managedIdentity: true }).managedIdentity;
 * const getToken = fromManagedIdentity({ identityEndpoint: info!.identityEndpoint, identityHeader: info!.identityHeader });
 */
export interface ManagedIdentityInfo {
  readonly clientId: string;
  /** Object (principal) id: `oid` of its tokens, and what `object_id` / `principal_id` select. */
  readonly objectId: string;
  /** What `msi_res_id` / `mi_res_id` select. */
  readonly resourceId: string;
  /** `http://169.254.169.254/metadata/identity/oauth2/token` */
  readonly imdsEndpoint: string;
  /** App Service IDENTITY_ENDPOINT. */
  readonly identityEndpoint: string;
  /** App Service IDENTITY_HEADER: the `X-IDENTITY-HEADER` value the endpoint requires. */
  readonly identityHeader: string;
}

/** The IMDS token endpoint. */
export const IMDS_TOKEN_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token";

/** Serves IMDS and the App Service identity endpoint for one managed identity. */
export class ManagedIdentityEndpoints {
  readonly info: ManagedIdentityInfo;
  private readonly imds = new URL(IMDS_TOKEN_ENDPOINT);
  private readonly appService: URL;

  constructor(
    private readonly authority: Authority,
    options: EmulatorManagedIdentityOptions,
    private readonly tokenLifetimeSeconds: number,
    private readonly now: () => number,
  ) {
    const clientId = options.clientId ?? uuid();
    this.appService = new URL(options.identityEndpoint ?? "http://localhost:42356/msi/token");
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(this.appService.hostname);
    if (this.appService.protocol !== "https:" && !(this.appService.protocol === "http:" && loopback)) {
      throw inputError("createEmulator: managedIdentity.identityEndpoint must be https or loopback http");
    }
    const identityHeader = options.identityHeader ?? b64url(randomBytes(24));
    if (!identityHeader) throw inputError("createEmulator: managedIdentity.identityHeader must not be empty");
    this.info = {
      clientId,
      objectId: authority.registerIdentity(clientId),
      resourceId:
        options.resourceId ??
        `/subscriptions/${uuid()}/resourcegroups/emulator/providers/Microsoft.ManagedIdentity/userAssignedIdentities/emulator-identity`,
      imdsEndpoint: IMDS_TOKEN_ENDPOINT,
      identityEndpoint: this.appService.href,
      identityHeader,
    };
  }

  /** The endpoint a URL names, if any. */
  endpointOf(url: URL): "imds" | "appService" | undefined {
    if (url.origin === this.imds.origin) return "imds";
    if (url.origin === this.appService.origin) return "appService";
    return undefined;
  }

  /** Serves one request to either endpoint. */
  async handle(request: Request, url: URL): Promise<Response> {
    return this.endpointOf(url) === "imds" ? this.serveImds(request, url) : this.serveAppService(request, url);
  }

  private async serveImds(request: Request, url: URL): Promise<Response> {
    if (url.pathname.replace(/\/+$/, "").toLowerCase() !== this.imds.pathname)
      return json(404, { error: "not_found", error_description: "The requested path was not found." });
    if (request.method !== "GET")
      return json(405, { error: "invalid_request", error_description: "The requested method is not supported." });
    // IMDS refuses requests without the header, so a server-side request forgery cannot reach it.
    if ((request.headers.get("metadata") ?? "").toLowerCase() !== "true")
      return json(400, { error: "invalid_request", error_description: "Required metadata header not specified" });
    const version = url.searchParams.get("api-version");
    if (!version) return json(400, { error: "invalid_request", error_description: "Required query variable 'api-version' is missing" });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version) || version < "2018-02-01")
      return json(400, { error: "invalid_request", error_description: `Invalid API version '${version}'.` });
    const problem = this.selectProblem(url, ["client_id", "object_id", "msi_res_id"]);
    if (problem) return json(400, { error: "invalid_request", error_description: problem });
    const resource = url.searchParams.get("resource");
    if (!resource) return json(400, { error: "invalid_request", error_description: "Required audience parameter not specified" });
    if (!isResource(resource))
      return json(400, {
        error: "invalid_resource",
        error_description: unknownResource(resource, this.authority.tenantId),
        error_codes: [500011],
      });
    const t = await this.token(resource);
    return json(200, {
      access_token: t.token,
      refresh_token: "",
      client_id: this.info.clientId,
      expires_in: String(this.tokenLifetimeSeconds),
      expires_on: String(t.expiresOn),
      ext_expires_in: String(this.tokenLifetimeSeconds),
      not_before: String(t.notBefore),
      resource,
      token_type: "Bearer",
    });
  }

  private async serveAppService(request: Request, url: URL): Promise<Response> {
    if (url.pathname.replace(/\/+$/, "").toLowerCase() !== this.appService.pathname.replace(/\/+$/, "").toLowerCase())
      return appServiceError(404, "The requested path was not found.");
    if (request.method !== "GET") return appServiceError(405, "The requested method is not supported.");
    if (url.searchParams.get("api-version") !== "2019-08-01")
      return appServiceError(400, `The api-version '${url.searchParams.get("api-version") ?? ""}' is not supported; use 2019-08-01.`);
    if (!timingSafeEqual(request.headers.get("x-identity-header") ?? "", this.info.identityHeader)) {
      return appServiceError(401, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.");
    }
    const problem = this.selectProblem(url, ["client_id", "principal_id", "mi_res_id"]);
    if (problem) return appServiceError(400, "Unable to load the proper Managed Identity.");
    const resource = url.searchParams.get("resource");
    if (!resource) return appServiceError(400, "The 'resource' query parameter is required.");
    if (!isResource(resource)) return appServiceError(400, unknownResource(resource, this.authority.tenantId));
    const t = await this.token(resource);
    // The 2019-08-01 answer has expires_on (epoch seconds, a string) and no expires_in.
    return json(200, {
      access_token: t.token,
      expires_on: String(t.expiresOn),
      resource,
      token_type: "Bearer",
      client_id: this.info.clientId,
    });
  }

  /** A user-assigned id that names another identity gets "Identity not found"; at most one id. */
  private selectProblem(url: URL, [clientParam, objectParam, resourceParam]: string[]): string | undefined {
    const given = [clientParam!, objectParam!, resourceParam!].filter((p) => url.searchParams.has(p));
    if (given.length > 1) return "Only one of client_id, object_id or resource id may be specified";
    const value = url.searchParams.get(given[0] ?? "");
    if (given[0] === clientParam && value!.toLowerCase() !== this.info.clientId.toLowerCase()) return "Identity not found";
    if (given[0] === objectParam && value!.toLowerCase() !== this.info.objectId.toLowerCase()) return "Identity not found";
    if (given[0] === resourceParam && value!.toLowerCase() !== this.info.resourceId.toLowerCase()) return "Identity not found";
    return undefined;
  }

  private async token(resource: string): Promise<{ token: string; expiresOn: number; notBefore: number }> {
    const { token, expiresOn } = await this.authority.mintToken({
      clientId: this.info.clientId,
      audience: resource,
      expiresInSeconds: this.tokenLifetimeSeconds,
      // Managed identity tokens: certificate-grade app authentication, not CAE-capable.
      caeCapable: false,
      claims: { appidacr: "2", idtyp: "app", xms_mirid: this.info.resourceId },
    });
    return { token, expiresOn, notBefore: Math.floor(this.now() / 1000) };
  }
}

const isResource = (r: string) => /^https:\/\/[^\s/]+/i.test(r);
const unknownResource = (r: string, tenant: string) =>
  `AADSTS500011: The resource principal named ${r} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

function appServiceError(status: number, message: string): Response {
  return json(status, { statusCode: status, message, correlationId: uuid() });
}

/** Compares secrets without an early exit on the first differing character. */
function timingSafeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.charCodeAt(i) || 0) ^ b.charCodeAt(i);
  return diff === 0;
}
