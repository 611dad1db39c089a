#!/usr/bin/env bash
# Builds the real Pulumi CLI, Node language host, Kubernetes provider plugin, kube-apiserver and etcd
# from Go modules (download sites are unreachable here), caches them by version outside the checkout,
# and prints the directory holding the binaries as its last line on stdout. Progress goes to stderr.
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

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${KSYUN_ROUTE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ksyun-route/tools}
bin="$cache/pulumi-$PULUMI_VERSION-nodejs-$LANGUAGE_HOST_SDK_VERSION-k8s-$PULUMI_KUBERNETES_VERSION-kube-$KUBERNETES_VERSION-etcd-$ETCD_VERSION"
work="$cache/build"

log() { printf '[tools] %s\n' "$*" >&2; }
have() { [ -x "$bin/$1" ] && [ -f "$bin/.$1.ok" ]; }
stamp() { touch "$bin/.$1.ok"; }
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<MSG
[tools] Go is not installed, so the tools cannot be built here.
[tools] Either install Go >= 1.24 (https://go.dev/dl) and run 'npm run tools' again,
[tools] or install the Pulumi CLI the usual way (https://www.pulumi.com/docs/install/), put it on PATH,
[tools] and install kube-apiserver and etcd (e.g. 'setup-envtest use 1.34.x') for the tests.
MSG
    exit 1
  fi
}

fresh_module() { # name -> a new empty wrapper module directory
  local dir="$work/$1"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  printf 'module local/%s-build\n\ngo 1.26\n' "$1" > go.mod
}

copy_nonlocal_replaces() { # go.mod file of a dependency: repeat its non-local replaces in the wrapper
  local edits
  edits=$(go mod edit -json "$1" | json '(o.Replace||[]).filter(r=>!r.New.Path.startsWith(".")).map(r=>`-replace=${r.Old.Path}${r.Old.Version?"@"+r.Old.Version:""}=${r.New.Path}${r.New.Version?"@"+r.New.Version:""}`).join(" ")')
  [ -z "$edits" ] || go mod edit $edits
}

build_pulumi() {
  have pulumi && return
  log "building pulumi v$PULUMI_VERSION (a few minutes on a cold cache)"
  fresh_module pulumi
  local pkg=github.com/pulumi/pulumi/pkg/v3 sdk=github.com/pulumi/pulumi/sdk/v3
  copy_nonlocal_replaces "$(go mod download -json "$pkg@v$PULUMI_VERSION" | json 'o.GoMod')"
  go mod edit -replace="github.com/atotto/clipboard=$CLIPBOARD_FORK"
  go get -tool "$pkg/cmd/pulumi@v$PULUMI_VERSION" "$sdk@v$PULUMI_VERSION" >&2
  CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $sdk/go/common/version.Version=v$PULUMI_VERSION" -o "$bin/pulumi" "$pkg/cmd/pulumi"
  stamp pulumi
}

build_language_host() {
  have pulumi-language-nodejs && return
  log "building pulumi-language-nodejs (sdk v$LANGUAGE_HOST_SDK_VERSION)"
  fresh_module language-host
  local sdk=github.com/pulumi/pulumi/sdk/v3
  copy_nonlocal_replaces "$(go mod download -json "$sdk@v$LANGUAGE_HOST_SDK_VERSION" | json 'o.GoMod')"
  go get -tool "$sdk/nodejs/cmd/pulumi-language-nodejs@v$LANGUAGE_HOST_SDK_VERSION" >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $sdk/go/common/version.Version=v$LANGUAGE_HOST_SDK_VERSION" \
    -o "$bin/pulumi-language-nodejs" "$sdk/nodejs/cmd/pulumi-language-nodejs"
  stamp pulumi-language-nodejs
}

build_kubernetes_provider() {
  have pulumi-resource-kubernetes && return
  log "building pulumi-resource-kubernetes v$PULUMI_KUBERNETES_VERSION"
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4 src dir="$work/pulumi-kubernetes"
  # The plugin go:embeds a schema that a generate step writes, so build a writable copy of the module.
  src=$(go mod download -json "$mod@$PULUMI_KUBERNETES_MODULE_VERSION" | json 'o.Dir')
  rm -rf "$dir" && cp -r "$src" "$dir" && chmod -R u+w "$dir" && cd "$dir"
  go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4 \
    -require="github.com/pulumi/pulumi-kubernetes/sdk/v4@v$PULUMI_KUBERNETES_VERSION"
  go mod tidy >&2
  VERSION="$PULUMI_KUBERNETES_VERSION" go generate ./cmd/pulumi-resource-kubernetes >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $mod/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
    -o "$bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  stamp pulumi-resource-kubernetes
}

build_kube_apiserver() {
  have kube-apiserver && return
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
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $v.gitVersion=v$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor \
    -X $v.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION" \
    -o "$bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  stamp kube-apiserver
}

build_etcd() {
  have etcd && return
  log "building etcd v$ETCD_VERSION"
  fresh_module etcd
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go mod tidy >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin/etcd" .
  stamp etcd
}

install_shim() {
  # The dynamic-provider plugin is a shell shim shipped in @pulumi/pulumi; the engine looks for it beside pulumi.
  local shim="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [ -f "$shim" ]; then install -m 0755 "$shim" "$bin/pulumi-resource-pulumi-nodejs"; else
    log "warning: $shim is missing; run 'npm ci' first so dynamic providers work"; fi
}

main() {
  mkdir -p "$bin" "$work"
  local only=${1:-all}
  if ! { have pulumi && have pulumi-language-nodejs && have pulumi-resource-kubernetes && have kube-apiserver && have etcd; }; then
    need_go
    case "$only" in
      all) build_etcd; build_pulumi; build_language_host; build_kube_apiserver; build_kubernetes_provider ;;
      *) "build_$only" ;;
    esac
  fi
  install_shim
  echo "$bin"
}
main "$@"
