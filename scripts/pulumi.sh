#!/usr/bin/env bash
# `npm run pulumi -- <args>`: the Go-built Pulumi CLI with this project's Node 24 and plugins first on PATH,
# offline and unattended by default (each default yields to a value already in the environment).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=$(bash "$here/scripts/tools.sh" | tail -n 1)
export PATH="$tools:$here/node_modules/.bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=${PULUMI_SKIP_UPDATE_CHECK:-true}
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
exec pulumi "$@"
