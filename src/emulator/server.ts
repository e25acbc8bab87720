// Node only: serves a standard fetch handler (the emulator's, or any other) over HTTP or HTTPS.
// Loopback by default; HTTPS by default, with a self-signed certificate made at start.
// startEmulatorServer puts the emulator behind it, at URLs the official SDKs accept.
import * as http from "node:http";
import * as https from "node:https";
import { lookup } from "node:dns/promises";
import { isIP, type AddressInfo } from "node:net";
import { createEmulator, type Emulator, type EmulatorOptions } from "./index.js";
import { createSelfSignedCertificate } from "./self-signed-certificate.js";

export { createSelfSignedCertificate } from "./self-signed-certificate.js";
export type { SelfSignedCertificate, SelfSignedCertificateOptions } from "./self-signed-certificate.js";

/** A standard fetch handler: a Request in, a Response out. A rejection drops the connection. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Where and how to listen. */
export interface ServeOptions {
  /** address to bind (default `"127.0.0.1"`: loopback only) */
  host?: string;
  /** port to bind (default 0: any free port; read it back from `port`) */
  port?: number;
  /**
   * `false` for plain HTTP; a PEM `{ cert, key }` to use; omitted: a self-signed certificate is
   * made at start for `localhost`, `127.0.0.1`, `::1` and `dnsNames`.
   */
  tls?: false | { cert: string; key: string };
  /** extra DNS names for the self-signed certificate (ignored when `tls` is given or `false`) */
  dnsNames?: string[];
  /** extra IP addresses for the self-signed certificate (it always has 127.0.0.1 and ::1) */
  ipAddresses?: string[];
  /** largest request body accepted, in bytes (default 4 MiB; larger gets 413) */
  maxBodyBytes?: number;
}

/** A server that is listening. */
export interface RunningServer {
  /** the server's origin as a client reaches it, e.g. `https://127.0.0.1:8443` */
  url: string;
  protocol: "http" | "https";
  host: string;
  port: number;
  /** the PEM certificate clients must trust (the self-signed one, or the one given); none for HTTP */
  certificate?: string;
  /** stops listening and closes open connections */
  close(): Promise<void>;
}

const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer", "host"]);

/**
 * Serves `handler` over HTTPS (or HTTP with `tls: false`) until `close()`.
 *
 * @example
 * const server = await serveFetchHandler((req) => new Response("hi"), { port: 0 });
 * console.log(server.url, server.certificate);
 * await server.close();
 */
export async function serveFetchHandler(handler: FetchHandler, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  let tls: { cert: string; key: string } | undefined;
  if (options.tls === undefined) {
    tls = await createSelfSignedCertificate({
      dnsNames: ["localhost", ...(options.dnsNames ?? [])],
      ipAddresses: [...new Set(["127.0.0.1", "::1", ...(options.ipAddresses ?? [])])],
    });
  } else if (options.tls) tls = options.tls;
  const protocol = tls ? "https" : "http";

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    void respond(handler, req, res, protocol, maxBodyBytes);
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => { server.off("error", reject); resolve(); });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" || address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `${protocol}://${urlHost}:${address.port}`,
    protocol,
    host: address.address,
    port: address.port,
    ...(tls ? { certificate: tls.cert } : {}),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** Turns one Node request into a fetch Request, and the handler's Response back into bytes. */
async function respond(handler: FetchHandler, req: http.IncomingMessage, res: http.ServerResponse, protocol: string, maxBodyBytes: number): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => { if (!res.writableFinished) aborted.abort(); });
  let request: Request;
  try {
    // Only origin-form targets ("/path?query"): an absolute target could pose as another origin.
    if (!req.url?.startsWith("/")) return plain(res, 400, "request target must be a path");
    const url = new URL(req.url, `${protocol}://${authority(req)}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || hopByHop.has(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const method = req.method ?? "GET";
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (method !== "GET" && method !== "HEAD") {
      body = await readBody(req, maxBodyBytes);
      if (body === undefined) return plain(res, 413, "request body too large");
    }
    request = new Request(url, { method, headers, ...(body && body.length ? { body } : {}), signal: aborted.signal });
  } catch {
    return plain(res, 400, "malformed request");
  }

  let response: Response;
  try {
    response = await handler(request);
  } catch {
    // The handler refused to answer (e.g. the emulator's "drop" fault): so does the connection.
    req.socket.destroy();
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = request.method === "HEAD" ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer());
  } catch {
    req.socket.destroy();
    return;
  }
  const outHeaders: [string, string][] = [];
  response.headers.forEach((value, name) => { if (!hopByHop.has(name) && name !== "content-length") outHeaders.push([name, value]); });
  if (request.method !== "HEAD" || bytes.length) outHeaders.push(["content-length", String(bytes.length)]);
  res.writeHead(response.status, response.statusText || undefined, outHeaders.flat());
  res.end(bytes);
}

/** The Host header if it is a plain host[:port], else the socket's own address. */
function authority(req: http.IncomingMessage): string {
  const host = req.headers.host;
  if (host && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) return host;
  const local = req.socket.localAddress ?? "127.0.0.1";
  return `${local.includes(":") ? `[${local}]` : local}:${req.socket.localPort}`;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Uint8Array) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) return resolve(undefined);
      const out = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) { out.set(c, at); at += c.length; }
      resolve(out);
    });
    req.on("error", reject);
  });
}

function plain(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  res.end(message + "\n");
}

// --- the emulator over the network ---

/** Options of {@link startEmulatorServer}: where to listen, and which vault to emulate. */
export interface EmulatorServerOptions extends Omit<ServeOptions, "dnsNames" | "ipAddresses"> {
  /** vault name (default `"emulator"`) */
  name?: string;
  /** emulate a Managed HSM instead of a vault */
  managedHsm?: boolean;
  /**
   * Host name clients use for the vault (default `<name>.vault.localhost`, or
   * `<name>.managedhsm.localhost`, when that resolves to loopback here; else `127.0.0.1`).
   * The challenge names its parent domain as the resource (`https://vault.localhost`), the way
   * `myvault.vault.azure.net` gets `https://vault.azure.net`, so clients that check the resource
   * against the host (the official SDKs do) pass without opting out.
   */
  vaultHost?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** further options for `createEmulator` (seed, faults, …) */
  emulator?: Omit<EmulatorOptions, "name" | "managedHsm" | "tenantId" | "clientId" | "clientSecret" | "vaultUrl" | "authorityHost" | "resource">;
}

/** A running emulator server. */
export interface EmulatorServer extends RunningServer {
  /** the emulator behind the server (request log, faults, revokeSessions, …) */
  emulator: Emulator;
  /** `https://<vaultHost>:<port>` */
  vaultUrl: string;
  /** `https://localhost:<port>`: the Entra authority (token endpoint under `/<tenant>/oauth2/v2.0/token`) */
  authorityHost: string;
  /** the resource the 401 challenge names and tokens must be issued for */
  resource: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `KEYVAULT_URL`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST` */
  env: Record<"KEYVAULT_URL" | "AZURE_TENANT_ID" | "AZURE_CLIENT_ID" | "AZURE_CLIENT_SECRET" | "AZURE_AUTHORITY_HOST", string>;
  /** things worth telling a person (e.g. a name that does not resolve here) */
  notes: string[];
}

/**
 * Starts the emulator behind an HTTPS server (self-signed certificate unless `tls` is given;
 * `tls: false` for plain HTTP) on loopback.
 *
 * @example
 * const server = await startEmulatorServer({ port: 0 });
 * // point any client at server.env (KEYVAULT_URL, AZURE_TENANT_ID, …); trust server.certificate
 * await server.close();
 */
export async function startEmulatorServer(options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const name = options.name ?? "emulator";
  const notes: string[] = [];
  const zone = options.managedHsm ? "managedhsm.localhost" : "vault.localhost";
  let vaultHost = options.vaultHost;
  if (!vaultHost) {
    const wildcard = options.host === "0.0.0.0" || options.host === "::";
    if (!isLoopbackBind(options.host) && !wildcard) {
      vaultHost = options.host!; // reachable only at the address it listens on
    } else if (await resolvesToLoopback(`${name}.${zone}`)) {
      vaultHost = `${name}.${zone}`;
    } else {
      vaultHost = options.host === "::1" ? "::1" : "127.0.0.1";
      notes.push(`${name}.${zone} does not resolve to loopback on this machine, so the vault is served as ${vaultHost}; ` +
        `the official Azure SDKs then need disableChallengeResourceVerification: true (keyvault-fetch does not). ` +
        `To avoid that, add "127.0.0.1 ${name}.${zone}" to /etc/hosts and pass --vault-host ${name}.${zone}.`);
    }
  }
  let emulator: Emulator | undefined;
  let origins: string[] = [];
  const server = await serveFetchHandler((request) => {
    if (!emulator) return new Response("starting\n", { status: 503, headers: { "retry-after": "1" } });
    // A host the emulator does not serve is a misdirected request, not a dropped connection.
    if (!origins.includes(new URL(request.url).origin.toLowerCase())) {
      return new Response(`this server answers only as ${origins.join(" and ")}\n`, { status: 421, headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    return emulator.fetch(request);
  }, {
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    // the certificate names every host a client will use: the vault's, and a specific bind address
    dnsNames: isIP(vaultHost) ? [] : [vaultHost],
    ipAddresses: [vaultHost, options.host ?? ""].filter((h) => isIP(h) && h !== "0.0.0.0" && h !== "::"),
  });
  const origin = (host: string) => `${server.protocol}://${host.includes(":") ? `[${host}]` : host}:${server.port}`;
  const vaultUrl = origin(vaultHost);
  const authorityHost = origin(authorityName(options.host, server.host));
  const resourceName = resourceHost(vaultHost);
  const resource = `https://${resourceName.includes(":") ? `[${resourceName}]` : resourceName}`;
  emulator = createEmulator({
    ...options.emulator,
    name,
    ...(options.managedHsm ? { managedHsm: true } : {}),
    ...(options.tenantId ? { tenantId: options.tenantId } : {}),
    ...(options.clientId ? { clientId: options.clientId } : {}),
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    vaultUrl, authorityHost, resource,
  });
  origins = [new URL(vaultUrl).origin, new URL(authorityHost).origin].map((o) => o.toLowerCase());
  if (server.protocol === "http") notes.push("plain HTTP: clients must opt in (keyvault-fetch: allowInsecureLoopback; the official SDK: allowInsecureConnection), and the official identity library refuses an http authority");
  if (!isLoopbackBind(options.host)) notes.push(`listening on ${server.host}, not loopback: anyone who can reach it can use the emulated vault`);
  return {
    ...server,
    emulator, vaultUrl, authorityHost, resource,
    tenantId: emulator.tenantId, clientId: emulator.clientId, clientSecret: emulator.clientSecret,
    env: {
      KEYVAULT_URL: vaultUrl,
      AZURE_TENANT_ID: emulator.tenantId,
      AZURE_CLIENT_ID: emulator.clientId,
      AZURE_CLIENT_SECRET: emulator.clientSecret,
      AZURE_AUTHORITY_HOST: authorityHost,
    },
    notes,
  };
}

/** The resource for a vault host: its parent domain (kv.vault.localhost -> vault.localhost), or itself. */
function resourceHost(vaultHost: string): string {
  if (isIP(vaultHost) || !vaultHost.includes(".")) return vaultHost;
  return vaultHost.slice(vaultHost.indexOf(".") + 1);
}

/** The host name clients use for the authority: localhost on loopback or wildcard binds, else the bound address. */
function authorityName(bind: string | undefined, bound: string): string {
  if (bind === "::1") return "::1";
  if (isLoopbackBind(bind) || bound === "0.0.0.0" || bound === "::") return "localhost";
  return bound;
}

function isLoopbackBind(host: string | undefined): boolean {
  return host === undefined || host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

async function resolvesToLoopback(host: string): Promise<boolean> {
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.length > 0 && addresses.every((a) => a.address === "::1" || a.address.startsWith("127."));
  } catch {
    return false;
  }
}
