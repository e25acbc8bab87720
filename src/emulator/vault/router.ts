// Maps a vault request (method + path) to its handler.
import { ServiceError } from "../errors.js";
import type { Answer, VaultContext } from "./context.js";
import { createKey, getKey, importKey, listKeys, listVersions, updateKey } from "./keys.js";
import { backupKey, deleteKey, getDeletedKey, listDeletedKeys, purgeDeletedKey, recoverDeletedKey, restoreKey } from "./lifecycle.js";
import { cipher, randomBytesOp, sign, verify, wrap } from "./operations.js";
import { getRotationPolicy, putRotationPolicy, rotateKey } from "./rotation.js";
import { attestation, release } from "./release.js";

const notFound = (): ServiceError => new ServiceError(404, "NotFound", "The requested operation or resource does not exist.");
const badMethod = (method: string): ServiceError => new ServiceError(405, "MethodNotAllowed", `The HTTP method '${method}' is not supported for this resource.`);

/** The access-policy key permission each operation needs. */
const KEY_OP_PERMISSION: Record<string, string> = { sign: "sign", verify: "verify", encrypt: "encrypt", decrypt: "decrypt", wrapkey: "wrapKey", unwrapkey: "unwrapKey", release: "release" };

const KEY_OPS: Record<string, (ctx: VaultContext, name: string, version: string) => Promise<Answer>> = {
  sign, verify,
  encrypt: (c, n, v) => cipher(c, n, v, "encrypt"),
  decrypt: (c, n, v) => cipher(c, n, v, "decrypt"),
  wrapkey: (c, n, v) => wrap(c, n, v, "wrapKey"),
  unwrapkey: (c, n, v) => wrap(c, n, v, "unwrapKey"),
  release,
};

/** Runs the handler for a vault request; throws ServiceError for 4xx answers. */
export async function routeVault(ctx: VaultContext, method: string, path: string): Promise<Answer> {
  // Keep empty segments: "/keys/name/" (latest version) and "/keys/name//sign" are real forms.
  const seg = path.split("/").slice(1).map((s) => decodeURIComponent(s));
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
      if (method === "GET") { ctx.requirePermission("get"); return getDeletedKey(ctx, name); }
      if (method === "DELETE") { ctx.requirePermission("purge"); return purgeDeletedKey(ctx, name); }
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
    if (name.toLowerCase() === "restore" && method === "POST") { ctx.requirePermission("restore"); return restoreKey(ctx); }
    if (method === "PUT") { ctx.requirePermission("import"); return importKey(ctx, name); }
    if (method === "DELETE") { ctx.requirePermission("delete"); return deleteKey(ctx, name); }
    if (method === "GET") { ctx.requirePermission("get"); return getKey(ctx, name, ""); }
    if (method === "PATCH") { ctx.requirePermission("update"); return updateKey(ctx, name, ""); }
    throw badMethod(method);
  }
  const lowerA = a.toLowerCase();
  if (b === undefined) {
    // /keys/{name}/{something}
    if (lowerA === "create") { if (method !== "POST") throw badMethod(method); ctx.requirePermission("create"); return createKey(ctx, name); }
    if (lowerA === "versions") { if (method !== "GET") throw badMethod(method); ctx.requirePermission("list"); return listVersions(ctx, name); }
    if (lowerA === "backup") { if (method !== "POST") throw badMethod(method); ctx.requirePermission("backup"); return backupKey(ctx, name); }
    if (lowerA === "rotate") { if (method !== "POST") throw badMethod(method); ctx.requirePermission("rotate"); return rotateKey(ctx, name); }
    if (lowerA === "rotationpolicy") {
      if (method === "GET") { ctx.requirePermission("getrotationpolicy"); return getRotationPolicy(ctx, name); }
      if (method === "PUT") { ctx.requirePermission("setrotationpolicy"); return putRotationPolicy(ctx, name); }
      throw badMethod(method);
    }
    if (method === "POST" && KEY_OPS[lowerA]) { ctx.requirePermission(KEY_OP_PERMISSION[lowerA]!); return KEY_OPS[lowerA]!(ctx, name, ""); }
    if (method === "GET") { ctx.requirePermission("get"); return getKey(ctx, name, a); }
    if (method === "PATCH") { ctx.requirePermission("update"); return updateKey(ctx, name, a); }
    throw badMethod(method);
  }
  // /keys/{name}/{version}/{operation}
  const op = b.toLowerCase();
  if (op === "attestation") { if (method !== "GET") throw badMethod(method); ctx.requirePermission("get"); return attestation(ctx, name, a); }
  const handler = KEY_OPS[op];
  if (!handler) throw notFound();
  if (method !== "POST") throw badMethod(method);
  ctx.requirePermission(KEY_OP_PERMISSION[op]!);
  return handler(ctx, name, a);
}
