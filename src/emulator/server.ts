// Node only: serves a standard fetch handler (the emulator's, or any other) over HTTP or HTTPS.
// Loopback by default; HTTPS by default, with a self-signed certificate made at start.
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { createSelfSignedCertificate } from "./self-signed-certificate.js";

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
    tls = await createSelfSignedCertificate({ dnsNames: ["localhost", ...(options.dnsNames ?? [])] });
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
