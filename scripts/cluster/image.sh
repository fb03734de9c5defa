#!/usr/bin/env bash
# Builds a container image without a registry or Docker, as an OCI archive, and imports it into the local
# cluster's containerd (`ctr -n k8s.io images import`). Prints the image name.
#   image.sh pause   the sandbox ("pause") image: busybox-static sleeping
#   image.sh test    the faktory-ha test image: a Debian root filesystem made from Debian's packages
#                    (mmdebstrap: minbase + libstdc++6 + tini + redis-server), plus Node (this machine's), the OSS Faktory
#                    binary, the supervisor bundle (esbuild), the shared-Redis redis-server stand-in, the
#                    cluster tests' client bundle and the worker program `faktory-worker` (its jobs sleep; the
#                    Workers tests run it). Tagged by content, so a change gives a new tag.
#                    FAKTORY_HA_IMAGE_REV=<git rev> bundles the supervisor from that commit (not the work tree).
#   image.sh test-previous-faktory
#                    the same with the open-source Faktory release before the one install-faktory.sh installs
#                    ($FAKTORY_PREVIOUS_VERSION, built once into $TOOLS_DIR/faktory-<version>): the Faktory
#                    upgrade test rolls from it to the test image.
# The Debian root filesystem is cached under $TOOLS_DIR/images keyed by its package list.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
IMAGES="$TOOLS_DIR/images"
mkdir -p "$IMAGES"
kind="${1:-}"
work="$(mktemp -d "$IMAGES/work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
TAR=(tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)

import_image() { # import ARCHIVE NAME
  if [[ -S "$CONTAINERD_SOCK" ]]; then
    ctr --address "$CONTAINERD_SOCK" -n k8s.io images import "$1" >/dev/null 2>"$work/import.err" ||
      { cat "$work/import.err" >&2; die "importing $2 failed"; }
    # (Listing first: with pipefail, `ctr … | grep -q` fails when grep stops reading early.)
    local listed; listed="$(ctr --address "$CONTAINERD_SOCK" -n k8s.io images ls -q)"
    grep -qx "$2" <<<"$listed" || die "$2 not listed after import"
  fi
}

case "$kind" in
pause)
  name="$PAUSE_IMAGE"
  mkdir -p "$work/root/bin"
  cp /bin/busybox "$work/root/bin/busybox"
  "${TAR[@]}" -C "$work/root" -cf "$work/layer.tar" bin
  echo '{"Entrypoint":["/bin/busybox","sleep","2147483647"],"Env":["PATH=/bin"]}' >"$work/config.json"
  python3 "$(dirname "${BASH_SOURCE[0]}")/oci-archive.py" "$IMAGES/pause.oci.tar" "$name" "$work/config.json" "$work/layer.tar" >/dev/null
  import_image "$IMAGES/pause.oci.tar" "$name"
  echo "$name"
  ;;
test | test-previous-faktory)
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: run scripts/cluster/install-deps.sh"
  suite=bookworm
  # redis-server: only for `npm run bench:peer`'s single-pod Faktory, which starts its own Redis as the Helm
  # chart's does (the faktory-ha pods find the shared-Redis stand-in first on their PATH).
  packages="libstdc++6,tini,ca-certificates,redis-server"
  base_key="$(printf '%s %s' "$suite" "$packages" | sha256sum | cut -c1-12)"
  base="$IMAGES/debian-$suite-$base_key.tar"
  if [[ ! -f "$base" ]]; then
    mirror="$(sed -n 's/^URIs: *\(.*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
    mmdebstrap --quiet --variant=minbase --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      "$suite" "$work/base.tar" ${mirror:+"$mirror"} >"$work/mmdebstrap.log" 2>&1 ||
      { tail -n 20 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
    mv "$work/base.tar" "$base"
  fi
  faktory="$REPO_ROOT/.tools/bin/faktory"
  ref="$IMAGES/faktory-ha-test.ref"
  if [[ "$kind" == test-previous-faktory ]]; then
    faktory="$TOOLS_DIR/faktory-$FAKTORY_PREVIOUS_VERSION/faktory"
    ref="$IMAGES/faktory-ha-test-previous-faktory.ref"
    [[ -x "$faktory" ]] ||
      FAKTORY_VERSION="$FAKTORY_PREVIOUS_VERSION" FAKTORY_INSTALL_DIR="$(dirname "$faktory")" \
        "$REPO_ROOT/scripts/install-faktory.sh" >&2
  fi
  [[ -x "$faktory" ]] || die "$faktory is missing: run scripts/install-faktory.sh"
  node_bin="$(readlink -f "$(command -v node)")"
  [[ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" -ge 20 ]] || die "Node 20+ needed for the image"
  esbuild="$REPO_ROOT/node_modules/.bin/esbuild"
  [[ -x "$esbuild" ]] || die "node_modules is missing: run npm ci"
  r="$work/root"
  mkdir -p "$r/usr/local/bin" "$r/usr/sbin" "$r/opt/faktory-ha" "$r/etc/faktory/conf.d" "$r/var/lib/faktory"
  cp "$node_bin" "$r/usr/local/bin/node"
  cp "$faktory" "$r/usr/local/bin/faktory-oss"
  # The Faktory image keeps its binary at /faktory (the component's command). Production Faktory keeps its
  # embedded Redis socket under -d; the root filesystem is read-only, so point it at the /tmp volume.
  printf '#!/bin/sh\nmkdir -p /tmp/faktory\nexec /usr/local/bin/faktory-oss -d /tmp/faktory/db "$@"\n' >"$r/faktory"
  # OSS Faktory then "starts" this stand-in, which pipes its socket to the shared Redis in REDIS_URL.
  cp "$REPO_ROOT/supervisor/dev/shared-redis-bin/redis-server" "$r/usr/local/bin/redis-server"
  # FAKTORY_HA_IMAGE_REV=<git rev>: take the supervisor's source from that commit instead of the work tree.
  sup_src="$REPO_ROOT/supervisor/src"
  if [[ -n "${FAKTORY_HA_IMAGE_REV:-}" ]]; then
    sup_src="$REPO_ROOT/.tools/images/src-$(git -C "$REPO_ROOT" rev-parse --short=12 "$FAKTORY_HA_IMAGE_REV")"
    if [[ ! -d "$sup_src" ]]; then
      mkdir -p "$sup_src.tmp"
      git -C "$REPO_ROOT" archive "$FAKTORY_HA_IMAGE_REV" supervisor/src components | tar -x -C "$sup_src.tmp"
      mv "$sup_src.tmp" "$sup_src"
    fi
    sup_src="$sup_src/supervisor/src"
  fi
  "$esbuild" "$sup_src/main.ts" --bundle --platform=node --target=node20 --log-level=warning \
    --outfile="$r/opt/faktory-ha/faktory-ha-supervisor.js"
  if [[ -f "$REPO_ROOT/test/cluster/pod-client.ts" ]]; then
    "$esbuild" "$REPO_ROOT/test/cluster/pod-client.ts" --bundle --platform=node --target=node20 --log-level=warning \
      --outfile="$r/opt/faktory-ha/pod-client.js"
  fi
  # The worker image's program (`faktory-worker`: a faktory-worker Worker whose jobs sleep; the Workers
  # component's tests run this image with it as the command).
  if [[ -f "$REPO_ROOT/test/cluster/faktory-worker.ts" ]]; then
    "$esbuild" "$REPO_ROOT/test/cluster/faktory-worker.ts" --bundle --platform=node --target=node20 \
      --log-level=warning --outfile="$r/opt/faktory-ha/faktory-worker.js"
    printf '#!/bin/sh\nexec /usr/local/bin/node /opt/faktory-ha/faktory-worker.js "$@"\n' \
      >"$r/usr/local/bin/faktory-worker"
  fi
  printf '#!/bin/sh\nexec /usr/local/bin/node /opt/faktory-ha/faktory-ha-supervisor.js "$@"\n' \
    >"$r/usr/local/bin/faktory-ha-supervisor"
  ln -s ../bin/tini "$r/usr/sbin/tini" # /sbin is /usr/sbin on Debian 12
  chmod 0755 "$r/faktory" "$r/usr/local/bin/"*
  chmod 0644 "$r/opt/faktory-ha/"*.js
  "${TAR[@]}" -C "$r" -cf "$work/app.tar" faktory opt etc usr var
  tag="$(cat "$base" "$work/app.tar" | sha256sum | cut -c1-12)"
  name="docker.io/faktory-ha/faktory-ha-test:$tag"
  archive="$IMAGES/faktory-ha-test-$tag.oci.tar"
  if [[ ! -f "$archive" ]]; then
    cat >"$work/config.json" <<'JSON'
{"Entrypoint":["/sbin/tini","--","faktory-ha-supervisor","--"],
 "Cmd":["/faktory","-b",":17419","-w",":17420","-e","production"],
 "Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NODE_ENV=production","HOME=/tmp"],
 "ExposedPorts":{"7419/tcp":{},"7420/tcp":{},"7421/tcp":{}}}
JSON
    python3 "$(dirname "${BASH_SOURCE[0]}")/oci-archive.py" "$archive" "$name" "$work/config.json" "$base" "$work/app.tar" >/dev/null
  fi
  import_image "$archive" "$name"
  echo "$name" >"$ref"
  echo "$name"
  ;;
*) die "usage: image.sh pause|test|test-previous-faktory" ;;
esac
