#!/usr/bin/env bash
# Builds scripts/sdk/gen-sdk.go (Pulumi's Go and Python SDK generators at the CLI's version, $PULUMI_VERSION)
# into $TOOLS_DIR/gen-sdk-$PULUMI_VERSION-<source hash>/gen-sdk and prints that path. A scratch module like the
# CLI build's, so the module cache and most of the build cache the CLI filled are reused. Skips the build
# when that binary exists.
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
export GOFLAGS="${GOFLAGS:-} -mod=mod"

src="$REPO_ROOT/scripts/sdk/gen-sdk.go"
hash="$(sha256sum "$src" | cut -c1-12)"
out="$TOOLS_DIR/gen-sdk-$PULUMI_VERSION-$hash"
if [[ ! -x "$out/gen-sdk" ]]; then
  mod="$BUILD_DIR/gen-sdk-$PULUMI_VERSION"
  mkdir -p "$mod" "$out"
  cp "$src" "$mod/main.go"
  cd "$mod"
  if [[ ! -f go.sum ]]; then
    log "preparing scratch module for gen-sdk (pulumi $PULUMI_VERSION)"
    pulumi_scratch_module gen-sdk
  fi
  go mod tidy >/dev/null 2>&1 || go mod tidy
  log "building gen-sdk $hash"
  timed "gen-sdk-$PULUMI_VERSION-$hash" go build -trimpath -gcflags "$GO_GCFLAGS" -o "$out/gen-sdk.tmp" .
  mv "$out/gen-sdk.tmp" "$out/gen-sdk"
fi
echo "$out/gen-sdk"
