// Paging as the service does it: maxresults 1..25, an opaque $skiptoken, absolute nextLinks
// (with the explicit :443 port real nextLinks carry), nextLink null on the last page.
import { b64url, fromB64, fromUtf8, utf8 } from "../bytes.js";
import { badParameter } from "../errors.js";
import type { VaultContext } from "./context.js";

/** Cuts one page out of the full result list according to the request's query. */
export function page(ctx: VaultContext, all: unknown[]): { value: unknown[]; nextLink: string | null } {
  const q = ctx.url.searchParams;
  const rawMax = q.get("maxresults");
  let max = 25;
  if (rawMax !== null) {
    max = Number(rawMax);
    if (!/^\d+$/.test(rawMax) || max < 1 || max > 25)
      throw badParameter(`Invalid value '${rawMax}' for maxresults: it must be an integer from 1 to 25.`);
  }
  let offset = 0;
  const token = q.get("$skiptoken");
  if (token !== null) {
    const decoded = fromB64(token);
    let parsed: unknown;
    try {
      parsed = decoded ? JSON.parse(fromUtf8(decoded)) : undefined;
    } catch {
      parsed = undefined;
    }
    const o = (parsed as { o?: unknown } | undefined)?.o;
    if (typeof o !== "number" || !Number.isInteger(o) || o < 0) throw badParameter("The $skiptoken is not valid.");
    offset = o;
  }
  const value = all.slice(offset, offset + max);
  const next = offset + max;
  if (next >= all.length) return { value, nextLink: null };
  const base = new URL(ctx.store.info.url);
  const origin = base.port ? base.origin : `${base.protocol}//${base.hostname}:${base.protocol === "https:" ? 443 : 80}`;
  const apiVersion = q.get("api-version") ?? "";
  const tok = b64url(utf8(JSON.stringify({ o: next })));
  // The certificate lists' includePending carries over to the next page.
  const pending = q.get("includePending");
  const link = `${origin}${ctx.url.pathname}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${tok}${rawMax !== null ? `&maxresults=${max}` : ""}${pending !== null ? `&includePending=${encodeURIComponent(pending)}` : ""}`;
  return { value, nextLink: link };
}
