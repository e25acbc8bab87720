/**
 * keyvault-fetch/proxy/server (Node only): runs the vault proxy (or any fetch handler) on
 * `node:http` / `node:https`, in its own entry so that no edge bundle can pull in Node's modules.
 * Request bodies stream into the handler, which counts them; answers stream back. Only origin-form
 * targets (`/path?q`) are accepted, and the request URL is built from the socket's own address,
 * never from `Host`.
 * @module keyvault-fetch/proxy/server
 * @example
 * import { serveVaultProxy } from "keyvault-fetch/proxy/server";
 * const server = await serveVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["https://app.example.com"], port: 8787 });
 */
import * as http from "node:http";
import * as https from "node:https";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createVaultProxy, type VaultProxyOptions } from "./handler.js";

/**
 * A standard fetch handler.
 * @example
 * import { createServer } from "node:http";
 * const hello: FetchHandler = (request) => new Response(`hello ${new URL(request.url).pathname}`);
 * createServer(toNodeListener(hello)).listen(8080);
 */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Where the proxy listens.
 * @example
 * const listen: ProxyServerOptions = { host: "127.0.0.1", port: 8787 };
 * const server = await serveVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["http://localhost:5173"], ...listen });
 */
export interface ProxyServerOptions {
  /** address to bind (default `"127.0.0.1"`: loopback only) */
  host?: string;
  /** port (default 0: any free one; read it back from `port`) */
  port?: number;
  /** PEM certificate and key to serve HTTPS; plain HTTP without */
  tls?: { cert: string; key: string };
}

/**
 * A listening proxy.
 * @example
 * const server: RunningProxyServer = await serveVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["http://localhost:5173"], port: 0 });
 * console.log(server.url); // http://127.0.0.1:<port>
 * await server.close();
 */
export interface RunningProxyServer {
  /** e.g. `http://127.0.0.1:8787`: the URL to hand to `new KeyVaultClient(url, …)` */
  url: string;
  host: string;
  port: number;
  /** stops listening and closes open connections */
  close(): Promise<void>;
}

/**
 * Adapts a fetch handler to a `node:http` request listener (for an existing server or framework).
 * @example
 * import { createServer } from "node:http";
 * import { createVaultProxy } from "keyvault-fetch/proxy";
 * import { toNodeListener } from "keyvault-fetch/proxy/server";
 * createServer(toNodeListener(createVaultProxy({ vaultUrl, allowedOrigins }))).listen(8787);
 */
export function toNodeListener(handler: FetchHandler): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    void respond(handler, req, res);
  };
}

/**
 * Starts `createVaultProxy(options)` on a Node server (loopback by default).
 * @example
 * const proxy = await serveVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["http://localhost:5173"], port: 8787 });
 * console.log(proxy.url); // http://127.0.0.1:8787
 * await proxy.close();
 */
export async function serveVaultProxy(options: VaultProxyOptions & ProxyServerOptions): Promise<RunningProxyServer> {
  const { host, port, tls, ...proxyOptions } = options;
  return serveHandler(createVaultProxy(proxyOptions), {
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(tls ? { tls } : {}),
  });
}

/** Serves any fetch handler through {@link toNodeListener}. */
async function serveHandler(handler: FetchHandler, options: ProxyServerOptions = {}): Promise<RunningProxyServer> {
  const listener = toNodeListener(handler);
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${address.port}`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(handler: FetchHandler, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort(new Error("the client closed the connection"));
  });
  // Absolute-form ("http://other/"), authority-form and "*" targets could pose as another origin.
  if (!req.url?.startsWith("/")) return plain(res, 400, "request target must be a path");
  const local = req.socket.localAddress ?? "127.0.0.1";
  const self = `${"encrypted" in req.socket ? "https" : "http"}://${local.includes(":") ? `[${local}]` : local}:${req.socket.localPort}`;
  let request: Request;
  try {
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const method = req.method ?? "GET";
    const init: RequestInit & { duplex?: "half" } = { method, headers, signal: aborted.signal };
    if (method !== "GET" && method !== "HEAD") {
      init.body = bodyStream(req);
      init.duplex = "half";
    }
    // Concatenated, not resolved: "//evil.example/x" stays a path (which the proxy refuses).
    request = new Request(self + req.url, init);
  } catch {
    return plain(res, 400, "malformed request");
  }
  let response: Response;
  try {
    response = await handler(request);
  } catch {
    req.socket.destroy();
    return;
  }
  const headers: string[] = [];
  response.headers.forEach((value, name) => {
    headers.push(name, value);
  });
  // A body the handler did not read (refused, too large) is not drained: the connection closes.
  if (!req.complete) headers.push("connection", "close");
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body || req.method === "HEAD") {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (!res.write(chunk)) await once(res, "drain");
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** The request body as a web stream, paused while unread; cancelling discards the rest. */
function bodyStream(req: http.IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Buffer) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.on("end", () => {
        if (!done) {
          done = true;
          controller.close();
        }
      });
      req.on("error", (e) => {
        if (!done) {
          done = true;
          controller.error(e);
        }
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      done = true;
      req.resume();
    },
  });
}

function plain(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  res.end(message + "\n");
}
