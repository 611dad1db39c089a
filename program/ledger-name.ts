// The name of the watcher event path's ledger ConfigMap: the watcher keeps it, its RBAC (manifests/watcher.ts) names it.
export const LEDGER_NAME = "ksyun-route-ledger";
