// The api-versions the service accepts, and what each one's answers hold. Fields the REST specs
// (Azure/azure-rest-api-specs, data-plane/Microsoft.KeyVault) add over time are left out of the
// answers to older versions, so a client gets the shape it was written for:
//   2015-06-01  KeyAttributes = enabled, nbf, exp, created, updated; DELETE answers a KeyBundle
//   2016-10-01  + recoveryLevel; soft delete (DeletedKeyBundle: recoveryId, deletedDate, scheduledPurgeDate)
//   7.1         + recoverableDays
//   7.3         + exportable; KeyBundle.release_policy
//   7.5         + hsmPlatform
// (7.0, 7.2, 7.4 and 7.6 add operations, algorithms and key types, not fields of these answers.)

/** What an answer may hold for one api-version. */
export interface ApiShape {
  readonly version: string;
  readonly recoveryLevel: boolean;
  readonly softDelete: boolean;
  readonly recoverableDays: boolean;
  readonly exportable: boolean;
  readonly releasePolicy: boolean;
  readonly hsmPlatform: boolean;
}

/** Stable and preview versions by the generation whose answer shape they have. */
const GENERATION = new Map<string, number>([
  ["2015-06-01", 2015],
  ["2016-10-01", 2016],
  ["7.0", 70],
  ["7.0-preview", 70],
  ["7.1", 71],
  ["7.2", 72],
  ["7.2-preview", 72],
  ["7.3", 73],
  ["7.3-preview", 73],
  ["7.4", 74],
  ["7.4-preview.1", 74],
  ["7.5", 75],
  ["7.5-preview.1", 75],
  ["7.6", 76],
  ["7.6-preview.1", 76],
  ["7.6-preview.2", 76],
  ["2025-06-01-preview", 77],
  ["2025-06-01", 77],
  ["2025-07-01", 77],
  ["2025-07-01-preview", 77],
  ["2026-01-01-preview", 77],
]);
const rank = (g: number) => (g === 2015 ? 0 : g === 2016 ? 1 : g);

/**
 * api-versions the emulator answers: every version the keys REST specs define.
 * @example
 * SUPPORTED_API_VERSIONS.includes("7.4"); // true: a client pinned to 7.4 gets 7.4's answers
 */
export const SUPPORTED_API_VERSIONS: readonly string[] = [...GENERATION.keys()];

/** The answer shape of a version, or undefined when the service does not know it. */
export function apiShape(version: string): ApiShape | undefined {
  const g = GENERATION.get(version);
  if (g === undefined) return undefined;
  const r = rank(g);
  return {
    version,
    recoveryLevel: r >= 1,
    softDelete: r >= 1,
    recoverableDays: r >= 71,
    exportable: r >= 73,
    releasePolicy: r >= 73,
    hsmPlatform: r >= 75,
  };
}

/** The newest shape: what handlers render, before it is cut down to the requested version. */
export const NEWEST: ApiShape = apiShape("2025-07-01")!;

/** Removes what the requested version's answers did not have (in place; returns the body). */
export function shapeAnswer(body: unknown, shape: ApiShape, kind: "delete" | "other"): unknown {
  if (shape.hsmPlatform && shape.softDelete) return body; // nothing to remove from the newest shape
  const visit = (o: unknown): void => {
    if (Array.isArray(o)) {
      for (const x of o) visit(x);
      return;
    }
    if (!o || typeof o !== "object") return;
    const rec = o as Record<string, unknown>;
    // A KeyBundle or KeyItem: an `attributes` object next to `key` or `kid`.
    const attrs = rec.attributes;
    if (attrs && typeof attrs === "object" && (Object.hasOwn(rec, "key") || Object.hasOwn(rec, "kid"))) {
      const a = attrs as Record<string, unknown>;
      if (!shape.recoveryLevel) delete a.recoveryLevel;
      if (!shape.recoverableDays) delete a.recoverableDays;
      if (!shape.exportable) delete a.exportable;
      if (!shape.hsmPlatform) delete a.hsmPlatform;
      if (!shape.releasePolicy) delete rec.release_policy;
      if (!shape.softDelete && kind === "delete") {
        delete rec.recoveryId;
        delete rec.deletedDate;
        delete rec.scheduledPurgeDate;
      }
    }
    if (Object.hasOwn(rec, "value")) visit(rec.value);
  };
  visit(body);
  return body;
}
