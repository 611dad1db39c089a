#!/usr/bin/env bash
# Runs a TypeScript entry point (npm run pulumi, status, watcher, …) with the project's Node 24, which `npm ci`
# installs as node_modules/.bin/node; before that only the system's Node is there, which may be too old for .ts files
# (Node 20: ERR_UNKNOWN_FILE_EXTENSION).
set -euo pipefail
node="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/node"
if [ ! -x "$node" ]; then
  echo "ksyun-route: the npm packages (Node 24 among them) are not installed yet: run 'npm ci' (or 'npm run setup') first" >&2
  exit 1
fi
# Node strips the types of every .ts module with a WebAssembly compiler that costs a process 17-27 MiB; its compile
# cache keeps what that produced, so later starts load none of it (kube/client.ts cites the measurement).
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-${TMPDIR:-/tmp}/ksyun-route-node-compile-cache}"
exec "$node" "$@"
