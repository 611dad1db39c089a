#!/usr/bin/env bash
# Builds the Go-built tools from Go modules (download sites are unreachable here), caches them by version and
# target outside the checkout, and prints the directory of each set it was asked for, one per line, last on
# stdout. Progress goes to stderr.
#
#   tools.sh [runtime]  what `npm run pulumi`, `npm run status` and the watcher need: pulumi, the Node language
#                       host, the pulumi-resource-pulumi-nodejs shim, and the Kubernetes plugin under plugins/ (the
#                       layout of Pulumi's plugin cache: a plugin on PATH draws a warning from the engine). A
#                       compatible pulumi already on PATH is used instead of building the CLI and language host.
#   tools.sh image      the runtime set, always built here, for $GOARCH (default: this machine's): the image's.
#   tools.sh test       kube-apiserver and etcd, for the tests only.
#   tools.sh all        image, then test: what `npm test` and CI use.
set -euo pipefail

PULUMI_VERSION=3.274.1
# The Node language host is a separate, untagged module since v3.69; the Go module proxy serves none of its
# pseudo-versions, so it comes from the last sdk/v3 release that still contained it (its gRPC API is stable).
LANGUAGE_HOST_SDK_VERSION=3.68.0
# @pulumi/kubernetes in package.json is pinned to this version; its provider module has pseudo-versions only,
# and this is the one the Go module proxy serves.
PULUMI_KUBERNETES_VERSION=4.25.0
PULUMI_KUBERNETES_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
KUBERNETES_VERSION=1.34.4
ETCD_VERSION=3.6.14
CLIPBOARD_FORK=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
# pulumi v3.274.1's go.mod requires this Go; the wrapper modules below declare it too (README: the Go to install).
GO_VERSION=1.26.6

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${KSYUN_ROUTE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ksyun-route/tools}
case "$(uname -m)" in x86_64) host_arch=amd64 ;; aarch64) host_arch=arm64 ;; *) host_arch=$(uname -m) ;; esac
arch=${GOARCH:-$host_arch}
export GOOS=linux GOARCH="$arch" CGO_ENABLED=0
runtime="$cache/pulumi-$PULUMI_VERSION-nodejs-$LANGUAGE_HOST_SDK_VERSION-k8s-$PULUMI_KUBERNETES_VERSION-linux-$arch"
test_tools="$cache/kube-$KUBERNETES_VERSION-etcd-$ETCD_VERSION-linux-$arch"
k8s_plugin="plugins/resource-kubernetes-v$PULUMI_KUBERNETES_VERSION/pulumi-resource-kubernetes"
work="$cache/build/linux-$arch"

log() { printf '[tools] %s\n' "$*" >&2; }
# <set directory> <binary path in it>: built completely (a stamp beside the set, so that no stamp is in plugins/)
have() { [ -x "$1/$2" ] && [ -f "$1/.$(basename "$2").ok" ]; }
stamp() { touch "$1/.$(basename "$2").ok"; }
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<MSG
[tools] Go is not installed, so the tools cannot be built here.
[tools] Either install Go >= $GO_VERSION (https://go.dev/dl) and run 'npm run tools' again,
[tools] or install the Pulumi CLI the usual way (https://www.pulumi.com/docs/install/), put it on PATH,
[tools] and install kube-apiserver and etcd (e.g. 'setup-envtest use 1.34.x') for the tests.
MSG
    exit 1
  fi
}

fresh_module() { # name -> a new empty wrapper module directory
  local dir="$work/$1"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  printf 'module local/%s-build\n\ngo %s\n' "$1" "$GO_VERSION" > go.mod
}

copy_nonlocal_replaces() { # go.mod file of a dependency: repeat its non-local replaces in the wrapper
  local edits
  edits=$(go mod edit -json "$1" | json '(o.Replace||[]).filter(r=>!r.New.Path.startsWith(".")).map(r=>`-replace=${r.Old.Path}${r.Old.Version?"@"+r.Old.Version:""}=${r.New.Path}${r.New.Version?"@"+r.New.Version:""}`).join(" ")')
  [ -z "$edits" ] || go mod edit $edits
}

build_pulumi() {
  have "$runtime" pulumi && return
  need_go
  log "building pulumi v$PULUMI_VERSION for linux/$arch (a few minutes on a cold cache)"
  fresh_module pulumi
  local pkg=github.com/pulumi/pulumi/pkg/v3 sdk=github.com/pulumi/pulumi/sdk/v3
  copy_nonlocal_replaces "$(go mod download -json "$pkg@v$PULUMI_VERSION" | json 'o.GoMod')"
  go mod edit -replace="github.com/atotto/clipboard=$CLIPBOARD_FORK"
  go get -tool "$pkg/cmd/pulumi@v$PULUMI_VERSION" "$sdk@v$PULUMI_VERSION" >&2
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $sdk/go/common/version.Version=v$PULUMI_VERSION" -o "$runtime/pulumi" "$pkg/cmd/pulumi"
  stamp "$runtime" pulumi
}

language_host_bin=pulumi-language-nodejs-sdk-v$LANGUAGE_HOST_SDK_VERSION

build_language_host() {
  have "$runtime" "$language_host_bin" && return
  need_go
  log "building pulumi-language-nodejs (sdk v$LANGUAGE_HOST_SDK_VERSION) for linux/$arch"
  fresh_module language-host
  local sdk=github.com/pulumi/pulumi/sdk/v3
  copy_nonlocal_replaces "$(go mod download -json "$sdk@v$LANGUAGE_HOST_SDK_VERSION" | json 'o.GoMod')"
  go get -tool "$sdk/nodejs/cmd/pulumi-language-nodejs@v$LANGUAGE_HOST_SDK_VERSION" >&2
  go build -trimpath -ldflags "-s -w -X $sdk/go/common/version.Version=v$LANGUAGE_HOST_SDK_VERSION" \
    -o "$runtime/$language_host_bin" "$sdk/nodejs/cmd/pulumi-language-nodejs"
  stamp "$runtime" "$language_host_bin"
}

install_language_host_wrapper() {
  # Since v3.69 the CLI hands Pulumi.yaml's runtime options to the language host inside each request; this host
  # reads them only as flags, so without one it registers ts-node and loads the TypeScript compiler into every
  # program run although Pulumi.yaml says `typescript: false` (Node 24 strips the types itself).
  # Plain sh, no coreutils: the image's local base has dash and nothing else.
  printf '#!/bin/sh\n# Pulumi.yaml: runtime.options.typescript false (scripts/tools.sh)\nexec "${0%%/*}/%s" -typescript=false "$@"\n' \
    "$language_host_bin" > "$runtime/pulumi-language-nodejs.new"
  chmod 0755 "$runtime/pulumi-language-nodejs.new" && mv "$runtime/pulumi-language-nodejs.new" "$runtime/pulumi-language-nodejs"
}

build_kubernetes_provider() {
  have "$runtime" "$k8s_plugin" && return
  need_go
  log "building pulumi-resource-kubernetes v$PULUMI_KUBERNETES_VERSION for linux/$arch"
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4 src dir="$work/pulumi-kubernetes"
  # The plugin go:embeds a schema that a generate step writes, so build a writable copy of the module. The
  # generator runs here, so it is built for this machine.
  src=$(go mod download -json "$mod@$PULUMI_KUBERNETES_MODULE_VERSION" | json 'o.Dir')
  rm -rf "$dir" && cp -r "$src" "$dir" && chmod -R u+w "$dir" && cd "$dir"
  go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4 \
    -require="github.com/pulumi/pulumi-kubernetes/sdk/v4@v$PULUMI_KUBERNETES_VERSION"
  go mod tidy >&2
  VERSION="$PULUMI_KUBERNETES_VERSION" GOARCH="$host_arch" go generate ./cmd/pulumi-resource-kubernetes >&2
  mkdir -p "$runtime/$(dirname "$k8s_plugin")"
  go build -trimpath -ldflags "-s -w -X $mod/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
    -o "$runtime/$k8s_plugin" ./cmd/pulumi-resource-kubernetes
  stamp "$runtime" "$k8s_plugin"
}

build_kube_apiserver() {
  have "$test_tools" kube-apiserver && return
  need_go
  log "building kube-apiserver v$KUBERNETES_VERSION (the longest build: 10+ minutes on a cold cache)"
  fresh_module kube
  local gomod minor=${KUBERNETES_VERSION#*.}; minor=${minor%%.*}
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | json 'o.GoMod')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them locally: pin each to its release.
  local edits
  edits=$(go mod edit -json "$gomod" | json "(o.Require||[]).filter(r=>r.Version==='v0.0.0').map(r=>'-replace='+r.Path+'='+r.Path+'@v0.${KUBERNETES_VERSION#*.}').join(' ')")
  go mod edit $edits
  copy_nonlocal_replaces "$gomod"
  grep '^godebug' "$gomod" >> go.mod || true
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBERNETES_VERSION" >&2
  local v=k8s.io/component-base/version
  go build -trimpath -ldflags "-s -w -X $v.gitVersion=v$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor \
    -X $v.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION" \
    -o "$test_tools/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  stamp "$test_tools" kube-apiserver
}

build_etcd() {
  have "$test_tools" etcd && return
  need_go
  log "building etcd v$ETCD_VERSION"
  fresh_module etcd
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go mod tidy >&2
  go build -trimpath -ldflags "-s -w" -o "$test_tools/etcd" .
  stamp "$test_tools" etcd
}

install_shim() {
  # The dynamic-provider plugin is a shell shim shipped in @pulumi/pulumi; the engine looks for it beside pulumi.
  local shim="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [ -f "$shim" ]; then install -m 0755 "$shim" "$runtime/pulumi-resource-pulumi-nodejs"; else
    log "warning: $shim is missing; run 'npm ci' first so dynamic providers work"; fi
}

# A pulumi on PATH, outside this cache, of the version built here or a later one of the same major version, for
# this machine; its own language host and shim come with it.
compatible_pulumi_on_path() {
  local path version
  [ "$arch" = "$host_arch" ] || return 1
  path=$(command -v pulumi) || return 1
  [ "$(dirname "$(readlink -f "$path")")" != "$runtime" ] || return 1
  version=$("$path" version 2>/dev/null) || return 1
  version=${version#v}
  [ "${version%%.*}" = "${PULUMI_VERSION%%.*}" ] &&
    [ "$(printf '%s\n' "$PULUMI_VERSION" "$version" | sort -V | head -n 1)" = "$PULUMI_VERSION" ] || return 1
  log "using $path (v$version) from PATH"
}

runtime_tools() { # [--build]: never use a pulumi from PATH
  mkdir -p "$runtime" "$work"
  if [ "${1:-}" = --build ] || have "$runtime" pulumi || ! compatible_pulumi_on_path; then
    build_pulumi
    build_language_host
    install_language_host_wrapper
    install_shim
  fi
  build_kubernetes_provider
  echo "$runtime"
}

test_tools() {
  mkdir -p "$test_tools" "$work"
  build_etcd
  build_kube_apiserver
  echo "$test_tools"
}

mkdir -p "$cache"
exec 9>"$cache/.linux-$arch.lock"
flock 9 # one build at a time per cache and architecture: concurrent ones would share $work
case "${1:-runtime}" in
  runtime) runtime_tools ;;
  image) runtime_tools --build ;;
  test) test_tools ;;
  all) runtime_tools --build; test_tools ;;
  *) echo "usage: tools.sh [runtime|image|test|all]" >&2; exit 2 ;;
esac
