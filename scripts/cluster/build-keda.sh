#!/usr/bin/env bash
# Builds KEDA $KEDA_VERSION from Go modules into $KEDA_DIR: the operator (`keda`), the external-metrics API server
# (`keda-adapter`), its CRDs (config/crd from the module) and the manifests of its namespace, ServiceAccount and
# RBAC. Admission webhooks are left out. Both binaries run as processes on the node, like the control plane
# (up.sh starts them). Skips what exists; logs the times.
#
# Built as the main module from a copy of the module cache's source (its go.mod has the replace directives the
# build needs), with only the scalers in $KEDA_SCALERS (keda-triggers.py): KEDA compiles all of its 80 trigger
# types into the operator, every cloud SDK with them. Measured cold (empty build cache, module cache warm, nice
# 10 on a busy machine): the operator with every scaler 892 s of CPU, with these 397 s; the adapter 144 s after it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$KEDA_DIR/keda" && -x "$KEDA_DIR/keda-adapter" && -d "$KEDA_DIR/crd" && -d "$KEDA_DIR/config" ]] && exit 0
mkdir -p "$KEDA_DIR" "$BUILD_DIR"
src="$(GOFLAGS=-mod=mod go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
[[ -d "$src" ]] || die "KEDA $KEDA_VERSION: the module proxy did not give its source"
work="$BUILD_DIR/$(basename "$KEDA_DIR")"
if [[ ! -d "$work" ]]; then
  cp -r "$src" "$work.tmp"
  chmod -R u+w "$work.tmp"
  python3 "$(dirname "${BASH_SOURCE[0]}")/keda-triggers.py" "$work.tmp" "$KEDA_SCALERS" >&2
  mv "$work.tmp" "$work"
fi
cd "$work"
ldflags="-s -w -X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v}"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
if [[ ! -x "$KEDA_DIR/keda" ]]; then
  log "building keda (operator) $KEDA_VERSION"
  timed "keda-$KEDA_VERSION" go build -trimpath -gcflags "$GO_GCFLAGS" -ldflags "$ldflags" -o "$KEDA_DIR/keda" ./cmd/operator
fi
if [[ ! -x "$KEDA_DIR/keda-adapter" ]]; then
  log "building keda-adapter $KEDA_VERSION"
  timed "keda-adapter-$KEDA_VERSION" go build -trimpath -gcflags "$GO_GCFLAGS" -ldflags "$ldflags" \
    -o "$KEDA_DIR/keda-adapter" ./cmd/adapter
fi
rm -rf "$KEDA_DIR/crd" "$KEDA_DIR/config"
cp -r config/crd/bases "$KEDA_DIR/crd"
# KEDA's own namespace, ServiceAccount and RBAC, which up.sh applies (the Deployments are not used).
mkdir -p "$KEDA_DIR/config"
cp -r config/general config/service_account config/rbac config/metrics-server "$KEDA_DIR/config/"
log "KEDA $KEDA_VERSION in $KEDA_DIR"
