/**
 * @keyvault-fetch/emulator/server (Node only): the emulator over HTTPS on loopback, what the
 * `keyvault-emulator` CLI runs. {@link startEmulatorServer} serves the vaults at URLs the official
 * SDKs accept (several vaults and Managed HSMs by host name), with a self-signed certificate made at
 * start, CORS for listed origins, a state file, and an admin endpoint (loopback only) that moves the
 * emulator's clock and resets vaults. {@link serveFetchHandler} serves any fetch handler the same way.
 * @module @keyvault-fetch/emulator/server
 * @example
 * import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
 * const server = await startEmulatorServer({ port: 0 });
 * server.env.KEYVAULT_URL; // and AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST
 * await server.close();
 */
import * as http from "node:http";
import * as https from "node:https";
import { lookup } from "node:dns/promises";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { isIP, type AddressInfo } from "node:net";
import { dirname, resolve as resolvePath } from "node:path";
import {
  createEmulator,
  openEmulator,
  type Emulator,
  type EmulatorOptions,
  type EmulatorSweepEvent,
  type StateKey,
  type StateStorage,
} from "./index.js";
import { createSelfSignedCertificate } from "./self-signed-certificate.js";
import { inputError, kindOf } from "./errors.js";

export { createSelfSignedCertificate } from "./self-signed-certificate.js";
export type { SelfSignedCertificate, SelfSignedCertificateOptions } from "./self-signed-certificate.js";

/**
 * What the server knows about a request beyond the Request itself.
 * @example
 * const server = await serveFetchHandler((request, info: RequestInfo) => new Response(`hello ${info.remoteAddress}`), { port: 0, tls: false });
 */
export interface RequestInfo {
  /** The client's address as the socket saw it (e.g. `127.0.0.1`, `::1`, `::ffff:10.0.0.2`). */
  remoteAddress: string;
}

/**
 * A standard fetch handler: a Request in, a Response out. A rejection drops the connection.
 * @example
 * const handler: FetchHandler = (request, { remoteAddress }) => new Response(remoteAddress);
 * const server = await serveFetchHandler(handler, { port: 0 });
 */
export type FetchHandler = (request: Request, info: RequestInfo) => Response | Promise<Response>;

/**
 * Where and how to listen.
 * @example
 * const options: ServeOptions = { port: 0, tls: false, maxBodyBytes: 64 * 1024 };
 * const server = await serveFetchHandler((request) => new Response(request.method), options);
 */
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
  /**
   * The answer to a body over `maxBodyBytes` (default: a plain-text 413). It gets the request
   * without its body, its `content-length` the bytes that arrived before the server stopped reading.
   */
  tooLarge?: FetchHandler;
}

/**
 * A server that is listening.
 * @example
 * const server: RunningServer = await serveFetchHandler(() => new Response("ok"), { port: 0 });
 * console.log(server.url, server.certificate ? "trust the certificate printed" : "plain HTTP");
 * await server.close();
 */
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

/** Throws `ERR_INVALID_INPUT` unless `options` are listening options a server can use. */
function checkServeOptions(options: unknown, fn: string): asserts options is ServeOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options))
    throw inputError(`${fn} takes an options object; got ${kindOf(options)}`);
  const o = options as ServeOptions;
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535))
    throw inputError(`${fn}: port must be an integer from 0 to 65535 (0: any free port); got ${String(o.port)}`, true);
  if (o.host !== undefined && (typeof o.host !== "string" || !o.host))
    throw inputError(`${fn}: host must be an address to bind, e.g. "127.0.0.1"`);
  if (o.tls !== undefined && o.tls !== false && !(o.tls && typeof o.tls.cert === "string" && typeof o.tls.key === "string"))
    throw inputError(`${fn}: tls must be false (plain HTTP) or { cert, key } as PEM text`);
  if (o.maxBodyBytes !== undefined && !(typeof o.maxBodyBytes === "number" && o.maxBodyBytes >= 0))
    throw inputError(`${fn}: maxBodyBytes must be a number of bytes, 0 or more`, true);
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
  if (typeof handler !== "function")
    throw inputError(`serveFetchHandler takes a fetch handler, (request) => Response, first; got ${kindOf(handler)}`);
  checkServeOptions(options, "serveFetchHandler");
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
    void respond(handler, req, res, protocol, maxBodyBytes, options.tooLarge);
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" || address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `${protocol}://${urlHost}:${address.port}`,
    protocol,
    host: address.address,
    port: address.port,
    ...(tls ? { certificate: tls.cert } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Turns one Node request into a fetch Request, and the handler's Response back into bytes. */
async function respond(
  handler: FetchHandler,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  protocol: string,
  maxBodyBytes: number,
  tooLarge: FetchHandler | undefined,
): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  let request: Request;
  let answer = handler;
  const info: RequestInfo = { remoteAddress: req.socket.remoteAddress ?? "" };
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
      const read = await readBody(req, maxBodyBytes);
      if (read.tooLarge) {
        if (!tooLarge) return plain(res, 413, "request body too large");
        headers.set("content-length", String(read.size));
        answer = tooLarge;
      } else body = read.body;
    }
    request = new Request(url, { method, headers, ...(body && body.length ? { body } : {}), signal: aborted.signal });
  } catch {
    return plain(res, 400, "malformed request");
  }

  let response: Response;
  try {
    response = await answer(request, info);
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
  response.headers.forEach((value, name) => {
    if (!hopByHop.has(name) && name !== "content-length") outHeaders.push([name, value]);
  });
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

/** Reads the body up to `limit` bytes; past it, keeps counting (to drain the socket) but stores nothing. */
function readBody(
  req: http.IncomingMessage,
  limit: number,
): Promise<{ tooLarge: false; body: Uint8Array<ArrayBuffer> } | { tooLarge: true; size: number }> {
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
      if (tooLarge) return resolve({ tooLarge: true, size });
      const out = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      resolve({ tooLarge: false, body: out });
    });
    req.on("error", reject);
  });
}

function plain(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  res.end(message + "\n");
}

// --- the emulator over the network ---

/**
 * A vault or Managed HSM the server serves.
 * @example
 * const vault: EmulatorServerVault = { name: "app", host: "app.vault.localhost" };
 * const server = await startEmulatorServer({ port: 0, vaults: [vault] });
 */
export interface EmulatorServerVault {
  /** its name (3-24 letters, digits and hyphens) */
  name: string;
  /** a Managed HSM instead of a vault */
  managedHsm?: boolean;
  /** host name clients use (default `<name>.vault.localhost` or `<name>.managedhsm.localhost`) */
  host?: string;
}

/**
 * Options of {@link startEmulatorServer}: where to listen, and which vaults to emulate.
 * @example
 * const options: EmulatorServerOptions = { port: 8443, vaults: [{ name: "app" }, { name: "keys", managedHsm: true }], cors: ["http://localhost:5173"], state: "dev.state" };
 * const server = await startEmulatorServer(options);
 */
export interface EmulatorServerOptions extends Omit<ServeOptions, "dnsNames" | "ipAddresses" | "tooLarge"> {
  /** vault name (default `"emulator"`), when the server has one vault */
  name?: string;
  /** emulate a Managed HSM instead of a vault (one vault) */
  managedHsm?: boolean;
  /**
   * Host name clients use for the vault (default `<name>.vault.localhost`, or
   * `<name>.managedhsm.localhost`, when that resolves to loopback here; else `127.0.0.1`).
   * The challenge names its parent domain as the resource (`https://vault.localhost`), the way
   * `myvault.vault.azure.net` gets `https://vault.azure.net`, so clients that check the resource
   * against the host (the official SDKs do) pass without opting out.
   */
  vaultHost?: string;
  /**
   * Several vaults and Managed HSMs, told apart by host name, behind one authority (instead of
   * `name`, `managedHsm` and `vaultHost`). The first is `KEYVAULT_URL`.
   */
  vaults?: EmulatorServerVault[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** browser origins allowed to call the vaults and the token endpoint directly (CORS); none by default */
  cors?: string[];
  /**
   * Keep the emulator's state in this file: loaded at start, saved (atomically) after every
   * change. With `key` (a passphrase or 32 bytes) it is encrypted; without, `notes` warns that it
   * holds key material in the clear. A file that is not a state file, is damaged or is wrongly
   * keyed is refused with an EmulatorStateError and never overwritten.
   */
  state?: string | { file: string; key?: StateKey; kdfIterations?: number };
  /** serve the admin endpoint `/_emulator` on the authority host to loopback clients (default true) */
  admin?: boolean;
  /** further options for `createEmulator` (seed, recoverableDays, tokenLifetimeSeconds, …) */
  emulator?: Omit<
    EmulatorOptions,
    | "name"
    | "managedHsm"
    | "vaults"
    | "tenantId"
    | "clientId"
    | "clientSecret"
    | "vaultUrl"
    | "authorityHost"
    | "resource"
    | "cors"
    | "maxBodyBytes"
  >;
}

/**
 * A vault as the server serves it.
 * @example
 * const server = await startEmulatorServer({ port: 0, vaults: [{ name: "app" }, { name: "audit" }] });
 * const vaults: ServedVault[] = server.vaults;
 * for (const v of vaults) console.log(v.envName, v.url); // KEYVAULT_URL_APP https://app.vault.localhost:<port>
 */
export interface ServedVault {
  name: string;
  managedHsm: boolean;
  /** `https://<host>:<port>` */
  url: string;
  /** the resource its challenge names (scope: `<resource>/.default`) */
  resource: string;
  /** the environment variable naming it: `KEYVAULT_URL_<NAME>` or `MANAGED_HSM_URL_<NAME>` */
  envName: string;
}

/**
 * The environment a client needs; with several vaults, one more line per vault.
 * @example
 * const server = await startEmulatorServer({ port: 0 });
 * const env: EmulatorEnv = server.env;
 * const getToken = fromClientSecret({ tenantId: env.AZURE_TENANT_ID, clientId: env.AZURE_CLIENT_ID, clientSecret: env.AZURE_CLIENT_SECRET, authorityHost: env.AZURE_AUTHORITY_HOST });
 */
export type EmulatorEnv = Record<
  "KEYVAULT_URL" | "AZURE_TENANT_ID" | "AZURE_CLIENT_ID" | "AZURE_CLIENT_SECRET" | "AZURE_AUTHORITY_HOST",
  string
> &
  Record<string, string>;

/**
 * A running emulator server.
 * @example
 * const server: EmulatorServer = await startEmulatorServer({ port: 0, tls: false });
 * server.emulator.faults.throttle({ times: 1 }); // the in-process emulator behind it
 * await server.close();
 */
export interface EmulatorServer extends RunningServer {
  /** the emulator behind the server (request log, faults, clock, revokeSessions, …) */
  emulator: Emulator;
  /** the first vault's URL, `https://<vaultHost>:<port>` */
  vaultUrl: string;
  /** every vault served */
  vaults: ServedVault[];
  /** `https://localhost:<port>`: the Entra authority (token endpoint under `/<tenant>/oauth2/v2.0/token`) */
  authorityHost: string;
  /** the resource the first vault's 401 challenge names and tokens must be issued for */
  resource: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `KEYVAULT_URL`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST` (+ one per vault when there are several) */
  env: EmulatorEnv;
  /** `<authorityHost>/_emulator`, unless `admin: false` */
  adminUrl?: string;
  /** things worth telling a person (e.g. a name that does not resolve here, a state file in the clear) */
  notes: string[];
}

/**
 * Starts the emulator behind an HTTPS server (self-signed certificate unless `tls` is given;
 * `tls: false` for plain HTTP) on loopback. Port 0 (the default) picks a free port; `close()`
 * stops it, saves the state and removes anything it made. Made for test runners:
 *
 * @example
 * const server = await startEmulatorServer();           // any free port, HTTPS, one vault
 * // point any client at server.env (KEYVAULT_URL, AZURE_TENANT_ID, …); trust server.certificate
 * await server.close();
 * // several vaults, persistence, CORS:
 * await startEmulatorServer({ vaults: [{ name: "app" }, { name: "hsm", managedHsm: true }], state: "kv.state", cors: ["http://localhost:5173"] });
 */
export async function startEmulatorServer(options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  checkServeOptions(options, "startEmulatorServer");
  const notes: string[] = [];
  const specs = options.vaults ?? [
    {
      name: options.name ?? "emulator",
      ...(options.managedHsm ? { managedHsm: true } : {}),
      ...(options.vaultHost ? { host: options.vaultHost } : {}),
    },
  ];
  if (options.vaults && (options.name !== undefined || options.managedHsm !== undefined || options.vaultHost !== undefined)) {
    throw inputError("startEmulatorServer: give name, managedHsm and vaultHost inside vaults[], not next to it");
  }
  if (specs.length === 0) throw inputError("startEmulatorServer: vaults needs at least one vault");
  const wildcard = options.host === "0.0.0.0" || options.host === "::";
  const hosts: string[] = [];
  const unresolved: string[] = [];
  for (const spec of specs) {
    const zone = spec.managedHsm ? "managedhsm.localhost" : "vault.localhost";
    let host = spec.host;
    if (!host) {
      if (!isLoopbackBind(options.host) && !wildcard) {
        if (specs.length > 1)
          throw inputError("startEmulatorServer: several vaults need host names; on a non-loopback address give each a host");
        host = options.host!; // reachable only at the address it listens on
      } else if (await resolvesToLoopback(`${spec.name}.${zone}`)) {
        host = `${spec.name}.${zone}`;
      } else if (specs.length === 1) {
        host = options.host === "::1" ? "::1" : "127.0.0.1";
        notes.push(
          `${spec.name}.${zone} does not resolve to loopback on this machine, so the vault is served as ${host}; ` +
            `the official Azure SDKs then need disableChallengeResourceVerification: true (keyvault-fetch does not). ` +
            `To avoid that, add "127.0.0.1 ${spec.name}.${zone}" to /etc/hosts and pass --vault-host ${spec.name}.${zone}.`,
        );
      } else {
        // Several vaults on one port are told apart by host name; curl and browsers resolve *.localhost themselves.
        host = `${spec.name}.${zone}`;
        unresolved.push(host);
      }
    }
    if (hosts.includes(host.toLowerCase())) throw inputError(`startEmulatorServer: two vaults at ${host}`);
    hosts.push(host.toLowerCase());
  }
  if (unresolved.length) {
    notes.push(
      `${unresolved.join(", ")} do${unresolved.length === 1 ? "es" : ""} not resolve to loopback with this machine's resolver (curl and browsers resolve *.localhost themselves); ` +
        `for other clients add "127.0.0.1 ${unresolved.join(" ")}" to /etc/hosts`,
    );
  }

  let emulator: Emulator | undefined;
  let origins: string[] = [];
  let authorityOrigin = "";
  let closing = false;
  const admin = options.admin ?? true;
  const cors = options.cors ?? [];
  const server = await serveFetchHandler(
    async (request, info) => {
      if (!emulator) return new Response(closing ? "stopping\n" : "starting\n", { status: 503, headers: { "retry-after": "1" } });
      const url = new URL(request.url);
      const origin = url.origin.toLowerCase();
      // A host the emulator does not serve is a misdirected request, not a dropped connection.
      if (!origins.includes(origin)) {
        return new Response(`this server answers only as ${origins.join(" and ")}\n`, {
          status: 421,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      if (admin && origin === authorityOrigin && (url.pathname === "/_emulator" || url.pathname.startsWith("/_emulator/"))) {
        return adminEndpoint(emulator, request, url, info, cors);
      }
      return emulator.fetch(request);
    },
    {
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
      // Too large: the emulator answers (it sees the content-length) in the shape of whoever was asked.
      tooLarge: (request) => (emulator ? emulator.fetch(request) : new Response("starting\n", { status: 503 })),
      // the certificate names every host a client will use: the vaults', and a specific bind address
      dnsNames: hosts.filter((h) => !isIP(h)),
      ipAddresses: [...hosts, options.host ?? ""].filter((h) => isIP(h) && h !== "0.0.0.0" && h !== "::"),
    },
  );
  const origin = (host: string) => {
    const defaultPort = server.port === (server.protocol === "https" ? 443 : 80);
    return `${server.protocol}://${host.includes(":") ? `[${host}]` : host}${defaultPort ? "" : `:${server.port}`}`;
  };
  const served: ServedVault[] = specs.map((spec, i) => {
    const host = hosts[i]!;
    const resourceName = resourceHost(host);
    return {
      name: spec.name,
      managedHsm: spec.managedHsm ?? false,
      url: origin(host),
      resource: `https://${resourceName.includes(":") ? `[${resourceName}]` : resourceName}`,
      envName: `${spec.managedHsm ? "MANAGED_HSM_URL" : "KEYVAULT_URL"}_${spec.name.toUpperCase().replace(/-/g, "_")}`,
    };
  });
  const authorityHost = origin(authorityName(options.host, server.host));
  const stateFile = typeof options.state === "string" ? { file: options.state } : options.state;
  const storage = stateFile ? fileStateStorage(stateFile.file) : undefined;
  const emulatorOptions: EmulatorOptions = {
    ...options.emulator,
    vaults: served.map((v) => ({ name: v.name, managedHsm: v.managedHsm, vaultUrl: v.url, resource: v.resource })),
    ...(options.tenantId ? { tenantId: options.tenantId } : {}),
    ...(options.clientId ? { clientId: options.clientId } : {}),
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    cors,
    authorityHost,
  };
  try {
    emulator = storage
      ? await openEmulator({
          ...emulatorOptions,
          persistence: {
            storage,
            name: resolvePath(stateFile!.file),
            ...(stateFile!.key !== undefined ? { key: stateFile!.key } : {}),
            ...(stateFile!.kdfIterations ? { kdfIterations: stateFile!.kdfIterations } : {}),
          },
        })
      : createEmulator(emulatorOptions);
  } catch (e) {
    storage?.close();
    await server.close();
    throw e;
  }
  notes.push(...emulator.warnings);
  origins = [...served.map((v) => new URL(v.url).origin), new URL(authorityHost).origin].map((o) => o.toLowerCase());
  authorityOrigin = new URL(authorityHost).origin.toLowerCase();
  if (server.protocol === "http")
    notes.push(
      "plain HTTP: clients must opt in (keyvault-fetch: allowInsecureLoopback; the official SDK: allowInsecureConnection), and the official identity library refuses an http authority",
    );
  if (!isLoopbackBind(options.host))
    notes.push(`listening on ${server.host}, not loopback: anyone who can reach it can use the emulated vault`);
  const env: EmulatorEnv = {
    KEYVAULT_URL: served[0]!.url,
    AZURE_TENANT_ID: emulator.tenantId,
    AZURE_CLIENT_ID: emulator.clientId,
    AZURE_CLIENT_SECRET: emulator.clientSecret,
    AZURE_AUTHORITY_HOST: authorityHost,
  };
  if (served.length > 1) for (const v of served) env[v.envName] = v.url;
  const running = emulator;
  return {
    ...server,
    close: async () => {
      closing = true;
      emulator = undefined; // requests still arriving get 503 while the server stops
      try {
        await running.flush();
      } finally {
        storage?.close();
        await server.close();
      }
    },
    emulator: running,
    vaultUrl: served[0]!.url,
    vaults: served,
    authorityHost,
    resource: served[0]!.resource,
    tenantId: running.tenantId,
    clientId: running.clientId,
    clientSecret: running.clientSecret,
    env,
    ...(admin ? { adminUrl: `${authorityHost}/_emulator` } : {}),
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

/** A client address on this machine: 127.0.0.0/8, ::1, or either mapped into IPv6. */
function isLoopbackClient(address: string): boolean {
  const a = address.replace(/^::ffff:/i, "");
  return a === "::1" || /^127\.\d+\.\d+\.\d+$/.test(a);
}

async function resolvesToLoopback(host: string): Promise<boolean> {
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.length > 0 && addresses.every((a) => a.address === "::1" || a.address.startsWith("127."));
  } catch {
    return false;
  }
}

// --- the admin endpoint ---

const adminJson = (status: number, body: unknown, cors?: string) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: {
      ...(status === 204 ? {} : { "content-type": "application/json; charset=utf-8" }),
      "cache-control": "no-store",
      ...(cors ? { "access-control-allow-origin": cors, vary: "Origin" } : {}),
    },
  });
const adminError = (status: number, code: string, message: string, cors?: string) => adminJson(status, { error: { code, message } }, cors);

function clockJson(emulator: Emulator): Record<string, unknown> {
  const now = emulator.clock.now();
  return { now: new Date(now).toISOString(), epochMs: now, offsetMs: emulator.clock.offsetMs };
}

/**
 * `/_emulator` on the authority host, for loopback clients only (and, from a browser, listed
 * origins only: a page elsewhere cannot move the clock of a developer's emulator):
 *   GET  /_emulator                         vaults, authority, clock
 *   GET  /_emulator/clock                   { now, epochMs, offsetMs }
 *   POST /_emulator/clock                   { "set": "2030-01-01T00:00:00Z" | ms } | { "advance": "P30D" | ms } | { "reset": true }
 *   POST /_emulator/sweep                   runs what the clock made due; answers the events
 *   POST /_emulator/revoke-sessions         CAE: tokens issued so far get the insufficient_claims challenge
 *   POST /_emulator/vaults/{name}/reset     forgets every key of a vault
 *   GET  /_emulator/vaults/{name}/state     exports a vault's state (private keys included)
 *   PUT  /_emulator/vaults/{name}/state     imports one
 */
async function adminEndpoint(emulator: Emulator, request: Request, url: URL, info: RequestInfo, cors: string[]): Promise<Response> {
  const origin = request.headers.get("origin");
  const allowed = origin && cors.some((o) => o.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
  if (!isLoopbackClient(info.remoteAddress))
    return adminError(403, "Forbidden", `the admin endpoint answers loopback clients only, not ${info.remoteAddress}`);
  if (origin && !allowed)
    return adminError(403, "Forbidden", `the admin endpoint does not answer pages from ${origin} (list it with --cors)`);
  if (request.method === "OPTIONS" && allowed) {
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": allowed,
        "access-control-allow-methods": "GET, POST, PUT",
        "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "content-type",
        vary: "Origin",
      },
    });
  }
  const path = url.pathname.replace(/\/+$/, "");
  let body: Record<string, unknown> = {};
  if (request.method === "POST" || request.method === "PUT") {
    const text = await request.text();
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        return adminError(400, "BadParameter", "the body must be JSON", allowed);
      }
      if (!body || typeof body !== "object" || Array.isArray(body))
        return adminError(400, "BadParameter", "the body must be a JSON object", allowed);
    }
  }
  try {
    if (path === "/_emulator" && request.method === "GET") {
      return adminJson(
        200,
        {
          vaults: emulator.vaults.map((v) => ({ name: v.name, url: v.url, managedHsm: v.managedHsm, resource: v.resource })),
          authorityHost: emulator.authorityHost,
          tenantId: emulator.tenantId,
          clock: clockJson(emulator),
        },
        allowed,
      );
    }
    if (path === "/_emulator/clock") {
      if (request.method === "GET") return adminJson(200, clockJson(emulator), allowed);
      if (request.method !== "POST") return adminError(405, "MethodNotAllowed", "GET or POST", allowed);
      const given = ["set", "advance", "reset"].filter((k) => Object.hasOwn(body, k));
      if (given.length !== 1)
        return adminError(
          400,
          "BadParameter",
          'give one of "set" (a date-time or ms), "advance" (ms or an ISO 8601 duration such as "P30D") or "reset": true',
          allowed,
        );
      if (given[0] === "set") emulator.clock.set(body.set as string | number);
      else if (given[0] === "advance") emulator.clock.advance(body.advance as string | number);
      else emulator.clock.reset();
      const events: EmulatorSweepEvent[] = await emulator.sweep();
      return adminJson(200, { ...clockJson(emulator), events }, allowed);
    }
    if (path === "/_emulator/sweep" && request.method === "POST") return adminJson(200, { events: await emulator.sweep() }, allowed);
    if (path === "/_emulator/revoke-sessions" && request.method === "POST") {
      emulator.revokeSessions();
      await emulator.flush();
      return adminJson(204, undefined, allowed);
    }
    const m = /^\/_emulator\/vaults\/([^/]+)\/(reset|state)$/.exec(path);
    if (m) {
      let vault;
      try {
        vault = emulator.vault(decodeURIComponent(m[1]!));
      } catch {
        return adminError(404, "NotFound", `no vault ${m[1]}`, allowed);
      }
      if (m[2] === "reset" && request.method === "POST") {
        vault.reset();
        await emulator.flush();
        return adminJson(204, undefined, allowed);
      }
      if (m[2] === "state" && request.method === "GET") return adminJson(200, vault.exportState(), allowed);
      if (m[2] === "state" && request.method === "PUT") {
        vault.importState(body as never);
        await emulator.flush();
        return adminJson(204, undefined, allowed);
      }
      return adminError(405, "MethodNotAllowed", `${request.method} is not supported here`, allowed);
    }
    return adminError(404, "NotFound", `no admin route ${request.method} ${path}`, allowed);
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) return adminError(400, "BadParameter", e.message, allowed);
    throw e;
  }
}

// --- the state file ---

/**
 * A state file for `openEmulator` (and `startEmulatorServer({ state })`): writes go to a
 * temporary file in the same folder, fsynced, then renamed over the old one, so a kill at any
 * moment leaves the old state or the new, never a torn file. A lock file (`<file>.lock`, holding
 * the pid) keeps a second emulator from using the same file; `close()` releases it.
 *
 * @example
 * const storage = fileStateStorage("kv.state");
 * const emulator = await openEmulator({ persistence: { storage, key: process.env.KV_STATE_KEY } });
 */
export function fileStateStorage(path: string): StateStorage & { close(): void } {
  const file = resolvePath(path);
  const lock = `${file}.lock`;
  let locked = false;
  let counter = 0;
  const takeLock = () => {
    if (locked) return;
    if (lockedHere.has(file))
      throw Object.assign(new Error(`${file} is in use by another emulator in this process; close it first`), { code: "ERR_STATE_LOCKED" });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lock, "wx", 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        locked = true;
        lockedHere.add(file);
        process.once("exit", release);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const pid = Number(readFileSync(lock, "utf8").trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
          throw Object.assign(
            new Error(`${file} is in use by another emulator (process ${pid}); stop it, or delete ${lock} if it is gone`),
            { code: "ERR_STATE_LOCKED" },
          );
        }
        try {
          unlinkSync(lock);
        } catch {
          /* taken by someone else meanwhile: the next attempt says so */
        }
      }
    }
    throw Object.assign(new Error(`could not lock ${file}`), { code: "ERR_STATE_LOCKED" });
  };
  function release(): void {
    if (!locked) return;
    locked = false;
    lockedHere.delete(file);
    process.removeListener("exit", release);
    try {
      if (readFileSync(lock, "utf8").trim() === String(process.pid)) unlinkSync(lock);
    } catch {
      /* already gone */
    }
  }
  return {
    async read() {
      takeLock();
      try {
        return await readFile(file, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    async write(text) {
      takeLock();
      const tmp = `${file}.${process.pid}.${++counter}.${randomBytes(4).toString("hex")}.tmp`;
      const fh = await open(tmp, "wx", 0o600);
      try {
        await fh.writeFile(text, "utf8");
        await fh.sync();
      } catch (e) {
        await fh.close();
        await unlink(tmp).catch(() => {});
        throw e;
      }
      await fh.close();
      try {
        await rename(tmp, file);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
      // The rename is durable only once the folder is: fsync it (where the platform allows).
      try {
        const dir = await open(dirname(file), "r");
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
      } catch {
        /* e.g. Windows */
      }
    },
    close: release,
  };
}

/** State files this process holds (a lock file with our own pid is ours, not stale). */
const lockedHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
