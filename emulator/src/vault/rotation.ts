// Key rotation (a new version made like the latest) and rotation policies.
import { badParameter, ServiceError } from "../errors.js";
import { liveKey, objectBody, type Answer, type VaultContext } from "./context.js";
import { addVersion } from "./keys.js";
import { latest, type KeyEntry, type KeyVersion, type Material, type RotationPolicy } from "./store.js";
import { generateRsa } from "../crypto/rsa.js";
import { generateEc } from "../crypto/ec.js";
import { randomBytes } from "../bytes.js";
import { refuseManagedKey } from "./lifecycle.js";

/** ISO 8601 duration (PnYnMnDTnHnMnS, or PnW) in days, the way the service counts (Y=365, M=30). */
export function durationDays(s: unknown): number | undefined {
  if (typeof s !== "string") return undefined;
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(s);
  if (!m || s.length < 3 || /T$/i.test(s)) return undefined;
  const [, y, mo, w, d, h, mi, sec] = m.map((x) => Number(x ?? 0)) as number[];
  return y! * 365 + mo! * 30 + w! * 7 + d! + h! / 24 + mi! / 1440 + sec! / 86400;
}

function policyJson(ctx: VaultContext, name: string, p: RotationPolicy | undefined): Record<string, unknown> {
  const id = `${ctx.store.info.url}/keys/${name}/rotationpolicy`;
  if (!p) return { id, lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }], attributes: {} };
  return {
    id,
    lifetimeActions: p.lifetimeActions.map((a) => ({ trigger: { ...a.trigger }, action: { ...a.action } })),
    attributes: { ...(p.expiryTime ? { expiryTime: p.expiryTime } : {}), created: p.created, updated: p.updated },
  };
}

/** GET /keys/{name}/rotationpolicy */
export function getRotationPolicy(ctx: VaultContext, name: string): Answer {
  const entry = liveKey(ctx, name);
  return { status: 200, body: policyJson(ctx, entry.name, entry.rotationPolicy) };
}

/** PUT /keys/{name}/rotationpolicy: validates, and adds the Notify action the service always keeps. */
export function putRotationPolicy(ctx: VaultContext, name: string): Answer {
  const entry = liveKey(ctx, name);
  const body = objectBody(ctx);
  const attrs = (body.attributes ?? {}) as Record<string, unknown>;
  if (typeof attrs !== "object" || Array.isArray(attrs)) throw badParameter("Property 'attributes' must be an object.");
  let expiryDays: number | undefined;
  if (attrs.expiryTime !== undefined && attrs.expiryTime !== null) {
    expiryDays = durationDays(attrs.expiryTime);
    if (expiryDays === undefined)
      throw badParameter(`Invalid expiryTime '${String(attrs.expiryTime)}': use an ISO 8601 duration such as P90D.`);
    if (expiryDays < 28) throw badParameter("The expiryTime of a rotation policy must be at least 28 days (P28D).");
  }
  const raw = body.lifetimeActions ?? [];
  if (!Array.isArray(raw)) throw badParameter("Property 'lifetimeActions' must be an array.");
  const actions: RotationPolicy["lifetimeActions"] = [];
  for (const a of raw as any[]) {
    const type = String(a?.action?.type ?? "").toLowerCase();
    if (type !== "rotate" && type !== "notify")
      throw badParameter(`Invalid lifetime action type '${String(a?.action?.type)}': use Rotate or Notify.`);
    const t = a?.trigger ?? {};
    const hasCreate = t.timeAfterCreate !== undefined && t.timeAfterCreate !== null;
    const hasExpiry = t.timeBeforeExpiry !== undefined && t.timeBeforeExpiry !== null;
    if (hasCreate === hasExpiry)
      throw badParameter("Each lifetime action trigger needs exactly one of timeAfterCreate or timeBeforeExpiry.");
    const days = durationDays(hasCreate ? t.timeAfterCreate : t.timeBeforeExpiry);
    if (days === undefined)
      throw badParameter(
        `Invalid trigger duration '${String(hasCreate ? t.timeAfterCreate : t.timeBeforeExpiry)}': use an ISO 8601 duration such as P30D.`,
      );
    if (days < 7) throw badParameter("A lifetime action trigger must be at least 7 days (P7D).");
    if (hasExpiry && expiryDays === undefined) throw badParameter("A timeBeforeExpiry trigger needs attributes.expiryTime in the policy.");
    if (expiryDays !== undefined && days >= expiryDays)
      throw badParameter("A lifetime action trigger must be shorter than the policy's expiryTime.");
    actions.push({
      trigger: hasCreate ? { timeAfterCreate: String(t.timeAfterCreate) } : { timeBeforeExpiry: String(t.timeBeforeExpiry) },
      action: { type: type === "rotate" ? "Rotate" : "Notify" },
    });
  }
  if (actions.filter((a) => a.action.type === "Rotate").length > 1)
    throw badParameter("A rotation policy can have at most one Rotate action.");
  // The service keeps a Notify action (30 days before expiry) even when the caller sent none.
  if (!actions.some((a) => a.action.type === "Notify")) actions.push({ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } });
  const created = entry.rotationPolicy?.created ?? ctx.nowSeconds;
  const policy: RotationPolicy = {
    lifetimeActions: actions,
    expiryTime: typeof attrs.expiryTime === "string" ? attrs.expiryTime : undefined,
    created,
    updated: ctx.nowSeconds,
  };
  ctx.store.update(entry, () => {
    entry.rotationPolicy = policy;
  });
  return { status: 200, body: policyJson(ctx, entry.name, policy) };
}

async function freshMaterial(m: Material): Promise<Material> {
  if (m.kind === "RSA") return { kind: "RSA", jwk: await generateRsa(m.bits), bits: m.bits };
  if (m.kind === "EC") return { kind: "EC", key: await generateEc(m.key.crv) };
  return { kind: "oct", k: randomBytes(m.k.length) };
}

/** POST /keys/{name}/rotate: a new version with the latest version's type, size, ops and tags. */
export async function rotateKey(ctx: VaultContext, name: string): Promise<Answer> {
  const entry = liveKey(ctx, name);
  refuseManagedKey(entry, "rotate");
  return { status: 200, body: (await rotateEntry(ctx, entry)).body };
}

/**
 * Adds a version made like the latest one. The new key material is made first; the version is
 * added only if the key is still the same live key (a delete racing the rotation wins: 404).
 */
async function rotateEntry(ctx: VaultContext, entry: KeyEntry): Promise<{ body: Record<string, unknown>; kid: string }> {
  const last: KeyVersion = latest(entry);
  const expiryDays = entry.rotationPolicy?.expiryTime ? durationDays(entry.rotationPolicy.expiryTime) : undefined;
  const material = await freshMaterial(last.material);
  const { v } = addVersion(
    ctx,
    entry.name,
    {
      kty: last.kty,
      material,
      keyOps: [...last.keyOps],
      enabled: true,
      exp: expiryDays !== undefined ? ctx.nowSeconds + Math.round(expiryDays * 86400) : undefined,
      exportable: last.exportable,
      tags: last.tags ? { ...last.tags } : undefined,
      releasePolicy: last.releasePolicy ? { ...last.releasePolicy } : undefined,
    },
    entry,
  );
  return { body: ctx.store.bundle(entry.name, v), kid: ctx.store.kid(entry.name, v) };
}

/**
 * Runs due Rotate actions of rotation policies: the emulator has no scheduler, so the vault's
 * sweep (before each request, and when the clock moves) rotates every key whose trigger time
 * (by the emulator's clock) has passed. Returns the new versions' ids.
 */
export async function rotateDueKeys(ctx: VaultContext): Promise<string[]> {
  const made: string[] = [];
  for (const entry of ctx.store.keys()) {
    if (rotating.has(entry)) continue;
    const p = entry.rotationPolicy;
    const rotate = p?.lifetimeActions.find((a) => a.action.type === "Rotate");
    if (!rotate) continue;
    const last = latest(entry);
    let due: number | undefined;
    const afterCreate = durationDays(rotate.trigger.timeAfterCreate);
    const beforeExpiry = durationDays(rotate.trigger.timeBeforeExpiry);
    if (afterCreate !== undefined) due = last.created + afterCreate * 86400;
    else if (beforeExpiry !== undefined && last.exp !== undefined) due = last.exp - beforeExpiry * 86400;
    if (due === undefined || due > ctx.nowSeconds) continue;
    // Concurrent requests must not rotate the same key twice while a key is being generated.
    rotating.add(entry);
    try {
      made.push((await rotateEntry(ctx, entry)).kid);
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e; // deleted meanwhile: nothing to rotate
    } finally {
      rotating.delete(entry);
    }
  }
  return made;
}

const rotating = new WeakSet<KeyEntry>();
