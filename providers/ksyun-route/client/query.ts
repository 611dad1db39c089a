/** A KSYun list filter; values of one filter are OR-ed, different filters AND-ed. */
export type Filter = { name: string; values: readonly string[] };

export type QueryParams = Record<string, string>;

/** Page size of the iterators; KEC lists take 5–1000 (kingsoftcloud/sdk-python), VPC lists are assumed alike. */
export const DEFAULT_PAGE_SIZE = 100;

/** Optional scalar parameters; absent ones are left out. */
export function scalarParams(values: Record<string, string | number | undefined>): QueryParams {
  const params: QueryParams = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params[key] = String(value);
  return params;
}

/** `RouteId.1=a&RouteId.2=b`: KSYun lists are 1-based on the wire. */
export function listParams(prefix: string, values: readonly string[] = []): QueryParams {
  return Object.fromEntries(values.map((value, i) => [`${prefix}.${i + 1}`, value]));
}

/** `Filter.1.Name=vpc-id&Filter.1.Value.1=…`; filters without values are dropped (they would match nothing). */
export function filterParams(filters: readonly Filter[]): QueryParams {
  const params: QueryParams = {};
  filters
    .filter((f) => f.values.length > 0)
    .forEach((filter, i) => {
      params[`Filter.${i + 1}.Name`] = filter.name;
      Object.assign(params, listParams(`Filter.${i + 1}.Value`, filter.values));
    });
  return params;
}

/** RFC 3986 (unreserved A-Z a-z 0-9 - _ . ~), the encoding SigV4 canonicalises with. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Sorted and encoded exactly like the SigV4 canonical query, so the wire query and the signed one are identical. */
export function encodeQuery(params: QueryParams): string {
  return Object.keys(params)
    .map((key) => [rfc3986(key), rfc3986(params[key] ?? "")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}
