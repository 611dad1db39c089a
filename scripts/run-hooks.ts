// Module hooks for the Node processes of a Pulumi run (the program and the dynamic-provider host), loaded with
// `--import` from NODE_OPTIONS (tools.ts). Loading @pulumi/pulumi alone took 1 s of CPU and 133 MiB here, half of
// it for modules these runs never use; with these hooks 0.4 s and 84 MiB:
// - `typescript` (9 MB of JavaScript) and `@npmcli/arborist` (~300 modules), required at load time by the SDK's
//   closure serializer, which only serializes functions: ksyun-route serializes none (providers/ksyun-route/index.ts
//   writes its provider text itself). Each becomes a module whose exports load the real one on first use, so a
//   program that does serialize a function still works.
// - `source-map-support/register`, installed by the SDK's run and dynamic-provider hosts: it maps every stack trace
//   through the SDK's source maps, and the SDK takes a stack trace for each resource and each promise it tracks.
//   Our own TypeScript needs no map (Node strips the types in place); KSYUN_ROUTE_SOURCE_MAPS=1 keeps it.
// - the stack trace the SDK's debuggablePromise takes for every promise it tracks, which it prints only for a
//   leaked promise under PULUMI_DEBUG_PROMISE_LEAKS: formatting them was a fifth of a 1,000-route program's CPU
//   (`--cpu-prof`: debuggablePromise and defaultPrepareStackTrace, 2.5 of 9 s). Taken when that variable is set.
// module.registerHooks is Node's documented synchronous hook API; it sees require() as well as import.
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

const LAZY = new Set(["typescript", "@npmcli/arborist"]);
const keepSourceMaps = process.env.KSYUN_ROUTE_SOURCE_MAPS === "1";
// A stand-in's URL: one made-up file beside this one per package (the CommonJS cache is keyed by file name), the
// real file in the query.
const LAZY_MARK = ".lazy-";
const DEBUGGABLE = "/node_modules/@pulumi/pulumi/runtime/debuggable.js";
const PROMISE_STACK = 'Object.defineProperty(p, "_debugStackTrace", { writable: true, value: new Error().stack });';

function lazyModule(realPath: string): string {
  return `"use strict";
let real;
const load = () => (real ??= require(${JSON.stringify(realPath)}));
module.exports = new Proxy(Object.create(null), {
  get: (_, key) => (key === "__esModule" ? true : Reflect.get(load(), key)),
  has: (_, key) => Reflect.has(load(), key),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});
`;
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const fromSdk = context.parentURL?.includes("/node_modules/@pulumi/pulumi/") ?? false;
    if (fromSdk && LAZY.has(specifier)) {
      const name = specifier.replace(/\W/g, "-");
      const real = encodeURIComponent(fileURLToPath(resolved.url));
      return { url: `${import.meta.url}${LAZY_MARK}${name}.cjs?${real}`, format: "commonjs", shortCircuit: true };
    }
    if (fromSdk && specifier === "source-map-support/register" && !keepSourceMaps) {
      return { url: `${import.meta.url}${LAZY_MARK}none.cjs`, format: "commonjs", shortCircuit: true };
    }
    return resolved;
  },
  load(url, context, nextLoad) {
    if (url.endsWith(DEBUGGABLE)) {
      const loaded = nextLoad(url, context);
      const source = String(loaded.source).replace(PROMISE_STACK, `if (exports.debugPromiseLeaks) ${PROMISE_STACK}`);
      return { ...loaded, source };
    }
    if (!url.startsWith(`${import.meta.url}${LAZY_MARK}`)) return nextLoad(url, context);
    const query = url.indexOf("?");
    const source = query < 0 ? "" : lazyModule(decodeURIComponent(url.slice(query + 1)));
    return { format: "commonjs", source, shortCircuit: true };
  },
});
