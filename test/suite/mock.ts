// A scripted vault for the core's tests: it speaks the challenge protocol and records every request.
export interface SeenRequest {
  method: string;
  url: string;
  path: string;
  authorization: string | null;
  body: string;
  headers: Headers;
  /** the request's signal (follows the caller's init.signal) */
  signal?: AbortSignal;
}

export interface MockVaultOptions {
  host?: string;
  resource?: string;
  tenant?: string;
  /** Answers an authorized request; default 200 `{"ok":true}` */
  handler?: (req: SeenRequest, n: number) => Response | Promise<Response>;
  /** accepts a token? default: any token starting with "token-" */
  accept?: (token: string, req: SeenRequest) => boolean | "cae";
  challengeHeader?: string;
}

export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

let counter = 0;
/** A unique vault host per test, so the isolate-wide challenge cache never leaks between tests. */
export function uniqueHost(prefix = "vault"): string {
  counter++;
  return `${prefix}${counter}x${Math.floor(Math.random() * 1e9).toString(36)}.vault.azure.net`;
}

export const CAE_HEADER =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In0sInhtc19jYWVlcnJvciI6eyJ2YWx1ZSI6IjEwMDEyIn19fQ=="';

export function mockVault(options: MockVaultOptions = {}) {
  const host = options.host ?? uniqueHost();
  const resource = options.resource ?? "https://vault.azure.net";
  const tenant = options.tenant ?? TENANT;
  const challenge = options.challengeHeader ?? `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="${resource}"`;
  const requests: SeenRequest[] = [];
  let authorized = 0;
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const seen: SeenRequest = {
      method: request.method,
      url: request.url,
      path: url.pathname + url.search,
      authorization: request.headers.get("authorization"),
      body: await request.text(),
      headers: request.headers,
      // init.signal itself: a Request's own signal follows it only weakly in undici (it may be collected)
      signal: init?.signal ?? request.signal,
    };
    requests.push(seen);
    const auth = seen.authorization;
    if (!auth) {
      return new Response(
        JSON.stringify({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token." } }),
        {
          status: 401,
          headers: { "www-authenticate": challenge, "content-type": "application/json; charset=utf-8" },
        },
      );
    }
    const token = auth.replace(/^Bearer /, "");
    const verdict = options.accept ? options.accept(token, seen) : token.startsWith("token-");
    if (verdict === "cae") return new Response("", { status: 401, headers: { "www-authenticate": CAE_HEADER } });
    if (!verdict) return new Response("", { status: 401, headers: { "www-authenticate": challenge } });
    authorized++;
    return options.handler ? options.handler(seen, authorized) : Response.json({ ok: true });
  };
  return { fetch, requests, host, vaultUrl: `https://${host}` };
}

/** A token provider that counts its calls and records what it was asked. */
export function countingProvider(opts: { lifetimeMs?: number; bare?: boolean; delayMs?: number } = {}) {
  const calls: { scopes: string[]; tenantId?: string | undefined; claims?: string | undefined }[] = [];
  const getToken = async (req: { scopes: string[]; tenantId?: string; claims?: string }) => {
    calls.push({ scopes: req.scopes, tenantId: req.tenantId, claims: req.claims });
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const token = `token-${calls.length}${req.claims ? "-claims" : ""}`;
    return opts.bare ? token : { token, expiresOnTimestamp: Date.now() + (opts.lifetimeMs ?? 3600_000) };
  };
  return { getToken, calls };
}
