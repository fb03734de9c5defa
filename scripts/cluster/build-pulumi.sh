#!/usr/bin/env bash
# Builds the Pulumi CLI ($PULUMI_VERSION) and the Kubernetes resource provider from Go modules into
# $TOOLS_DIR/pulumi-$PULUMI_VERSION/bin (CLI) and $TOOLS_DIR/pulumi-kubernetes-<ver>/ (provider, kept off PATH:
# it is installed as a plugin into the test's PULUMI_HOME). Skips what is already built.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export GOFLAGS="${GOFLAGS:-} -mod=mod"

# --- the CLI ---------------------------------------------------------------------------------------------
if [[ ! -x "$PULUMI_DIR/bin/pulumi" ]]; then
  mod="$BUILD_DIR/pulumi-$PULUMI_VERSION"
  mkdir -p "$mod" "$PULUMI_DIR/bin"
  cd "$mod"
  if [[ ! -f go.sum ]]; then
    log "preparing scratch module for pulumi $PULUMI_VERSION"
    pulumi_scratch_module pulumi-build
    printf '//go:build tools\npackage tools\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >tools.go
    go mod tidy >/dev/null 2>&1 || go mod tidy
  fi
  log "building pulumi $PULUMI_VERSION"
  timed "pulumi-$PULUMI_VERSION" go build -trimpath -gcflags "$GO_GCFLAGS" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$PULUMI_DIR/bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$PULUMI_DIR/bin/pulumi.tmp" "$PULUMI_DIR/bin/pulumi"
fi

# --- the Kubernetes provider -----------------------------------------------------------------------------
# The plugin version is the one the @pulumi/kubernetes npm package registers its resources with.
ver="$(node -p "require('$REPO_ROOT/node_modules/@pulumi/kubernetes/package.json').version" 2>/dev/null)" ||
  die "node_modules/@pulumi/kubernetes is missing: run npm ci first"
PROVIDER_DIR="$TOOLS_DIR/pulumi-kubernetes-v$ver"
if [[ ! -x "$PROVIDER_DIR/pulumi-resource-kubernetes" ]]; then
  src="$BUILD_DIR/pulumi-kubernetes-provider-$PULUMI_K8S_PROVIDER_MODULE_VERSION"
  if [[ ! -f "$src/.prepared" ]]; then
    log "preparing pulumi-kubernetes provider $PULUMI_K8S_PROVIDER_MODULE_VERSION"
    dir="$(go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_K8S_PROVIDER_MODULE_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\?$/\1/p')"
    [[ -d "$dir" ]] || die "could not download the pulumi-kubernetes provider module"
    rm -rf "$src"; mkdir -p "$(dirname "$src")"
    cp -r "$dir" "$src"; chmod -R u+w "$src"
    cd "$src"
    # Its go.mod points the sdk at ../sdk (a monorepo path): use a published sdk instead.
    go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4
    go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@$PULUMI_K8S_SDK_GO_VERSION"
    cmd=cmd/pulumi-resource-kubernetes
    [[ -f "$cmd/schema.json" ]] || die "no $cmd/schema.json in the provider module"
    cp "$cmd/schema.json" "$cmd/schema-embed.json"
    [[ -f "$cmd/terraform-mapping.json" ]] && cp "$cmd/terraform-mapping.json" "$cmd/terraform-mapping-embed.json"
    go mod tidy >/dev/null 2>&1 || go mod tidy
    touch .prepared
  fi
  cd "$src"
  mkdir -p "$PROVIDER_DIR"
  log "building pulumi-resource-kubernetes $ver"
  timed "pulumi-resource-kubernetes-v$ver" go build -trimpath -gcflags "$GO_GCFLAGS" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$ver" \
    -o "$PROVIDER_DIR/pulumi-resource-kubernetes.tmp" ./cmd/pulumi-resource-kubernetes
  mv "$PROVIDER_DIR/pulumi-resource-kubernetes.tmp" "$PROVIDER_DIR/pulumi-resource-kubernetes"
fi
