// Maps a vault request (method + path) to its handler.
import { ServiceError } from "../errors.js";
import type { Answer, VaultContext } from "./context.js";
import { createKey, getKey, importKey, listKeys, listVersions, updateKey } from "./keys.js";
import { backupKey, deleteKey, getDeletedKey, listDeletedKeys, purgeDeletedKey, recoverDeletedKey, restoreKey } from "./lifecycle.js";
import { cipher, randomBytesOp, sign, verify, wrap } from "./operations.js";
import { getRotationPolicy, putRotationPolicy, rotateKey } from "./rotation.js";
import { attestation, release } from "./release.js";

const notFound = (): ServiceError => new ServiceError(404, "NotFound", "The requested operation or resource does not exist.");
const badMethod = (method: string): ServiceError =>
  new ServiceError(405, "MethodNotAllowed", `The HTTP method '${method}' is not supported for this resource.`);

type KeyOp = (ctx: VaultContext, name: string, version: string) => Promise<Answer>;

/** Each operation on a key version, with the access-policy permission it needs. A Map, so that
 * `/keys/k/constructor` finds no operation (an object literal would find Object.prototype's). */
const KEY_OPS = new Map<string, { run: KeyOp; permission: string }>([
  ["sign", { run: sign, permission: "sign" }],
  ["verify", { run: verify, permission: "verify" }],
  ["encrypt", { run: (c, n, v) => cipher(c, n, v, "encrypt"), permission: "encrypt" }],
  ["decrypt", { run: (c, n, v) => cipher(c, n, v, "decrypt"), permission: "decrypt" }],
  ["wrapkey", { run: (c, n, v) => wrap(c, n, v, "wrapKey"), permission: "wrapKey" }],
  ["unwrapkey", { run: (c, n, v) => wrap(c, n, v, "unwrapKey"), permission: "unwrapKey" }],
  ["release", { run: release, permission: "release" }],
]);

/** Percent-decodes a path segment; a malformed escape (`%E0`) is the caller's error, not ours. */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ServiceError(400, "BadParameter", `The request URI contains an invalid escape sequence: ${s}`);
  }
}

/** Runs the handler for a vault request; throws ServiceError for 4xx answers. */
export async function routeVault(ctx: VaultContext, method: string, path: string): Promise<Answer> {
  // Keep empty segments: "/keys/name/" (latest version) and "/keys/name//sign" are real forms.
  const seg = path.split("/").slice(1).map(decodeSegment);
  if (seg.length > 1 && seg[seg.length - 1] === "" && seg.length !== 3) seg.pop();
  const [root = "", name, a, b, c] = seg;
  const lowerRoot = root.toLowerCase();

  if (lowerRoot === "rng" && seg.length === 1) {
    if (!ctx.managedHsm) throw notFound();
    if (method !== "POST") throw badMethod(method);
    return randomBytesOp(ctx);
  }

  if (lowerRoot === "deletedkeys") {
    if (name === undefined || name === "") {
      if (method !== "GET") throw badMethod(method);
      ctx.requirePermission("list");
      return listDeletedKeys(ctx);
    }
    if (!a) {
      if (method === "GET") {
        ctx.requirePermission("get");
        return getDeletedKey(ctx, name);
      }
      if (method === "DELETE") {
        ctx.requirePermission("purge");
        return purgeDeletedKey(ctx, name);
      }
      throw badMethod(method);
    }
    if (a.toLowerCase() === "recover" && b === undefined) {
      if (method !== "POST") throw badMethod(method);
      ctx.requirePermission("recover");
      return recoverDeletedKey(ctx, name);
    }
    throw notFound();
  }

  if (lowerRoot !== "keys" || c !== undefined) throw notFound();
  if (name === undefined || name === "") {
    if (method !== "GET") throw badMethod(method);
    ctx.requirePermission("list");
    return listKeys(ctx);
  }
  if (a === undefined) {
    // /keys/{name}
    if (name.toLowerCase() === "restore" && method === "POST") {
      ctx.requirePermission("restore");
      return restoreKey(ctx);
    }
    if (method === "PUT") {
      ctx.requirePermission("import");
      return importKey(ctx, name);
    }
    if (method === "DELETE") {
      ctx.requirePermission("delete");
      return deleteKey(ctx, name);
    }
    if (method === "GET") {
      ctx.requirePermission("get");
      return getKey(ctx, name, "");
    }
    if (method === "PATCH") {
      ctx.requirePermission("update");
      return updateKey(ctx, name, "");
    }
    throw badMethod(method);
  }
  const lowerA = a.toLowerCase();
  if (b === undefined) {
    // /keys/{name}/{something}
    if (lowerA === "create") {
      if (method !== "POST") throw badMethod(method);
      ctx.requirePermission("create");
      return createKey(ctx, name);
    }
    if (lowerA === "versions") {
      if (method !== "GET") throw badMethod(method);
      ctx.requirePermission("list");
      return listVersions(ctx, name);
    }
    if (lowerA === "backup") {
      if (method !== "POST") throw badMethod(method);
      ctx.requirePermission("backup");
      return backupKey(ctx, name);
    }
    if (lowerA === "rotate") {
      if (method !== "POST") throw badMethod(method);
      ctx.requirePermission("rotate");
      return rotateKey(ctx, name);
    }
    if (lowerA === "rotationpolicy") {
      if (method === "GET") {
        ctx.requirePermission("getrotationpolicy");
        return getRotationPolicy(ctx, name);
      }
      if (method === "PUT") {
        ctx.requirePermission("setrotationpolicy");
        return putRotationPolicy(ctx, name);
      }
      throw badMethod(method);
    }
    const op = KEY_OPS.get(lowerA);
    if (method === "POST" && op) {
      ctx.requirePermission(op.permission);
      return op.run(ctx, name, "");
    }
    if (method === "GET") {
      ctx.requirePermission("get");
      return getKey(ctx, name, a);
    }
    if (method === "PATCH") {
      ctx.requirePermission("update");
      return updateKey(ctx, name, a);
    }
    throw badMethod(method);
  }
  // /keys/{name}/{version}/{operation}
  const op = b.toLowerCase();
  if (op === "attestation") {
    if (method !== "GET") throw badMethod(method);
    ctx.requirePermission("get");
    return attestation(ctx, name, a);
  }
  const handler = KEY_OPS.get(op);
  if (!handler) throw notFound();
  if (method !== "POST") throw badMethod(method);
  ctx.requirePermission(handler.permission);
  return handler.run(ctx, name, a);
}
