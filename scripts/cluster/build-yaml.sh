#!/usr/bin/env bash
# Builds the Pulumi YAML language host (pulumi-language-yaml $PULUMI_YAML_VERSION) from Go modules into
# $PULUMI_YAML_DIR. The CLI refuses to install it as a plugin ("bundled with Pulumi") and looks for it beside
# itself or on PATH: the YAML cluster test puts this directory on the engine's PATH.
# Skips the build when the binary exists; logs its time and how many modules it downloaded.
#
# Built with its own go.mod (`go install module@version`: no replace directives to copy). Requiring it beside the
# CLI's Pulumi ($PULUMI_VERSION), to share the CLI build's caches, does not compile: v1.25.0 is written against
# pkg/v3 v3.206.0, and schema.NewPluginLoader and plugin.NewContextWithRoot changed signatures since.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$PULUMI_YAML_DIR/pulumi-language-yaml" ]] && exit 0
mkdir -p "$PULUMI_YAML_DIR"
modules_in_cache() { find "$(go env GOMODCACHE)/cache/download" -name '*.zip' 2>/dev/null | wc -l; }
before="$(modules_in_cache)"
log "building pulumi-language-yaml $PULUMI_YAML_VERSION"
GOBIN="$PULUMI_YAML_DIR" timed "pulumi-language-yaml-$PULUMI_YAML_VERSION" go install -trimpath -gcflags "$GO_GCFLAGS" \
  -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" \
  "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION"
downloaded=$(($(modules_in_cache) - before))
printf '%s pulumi-language-yaml-%s modules-downloaded=%s\n' "$(date -u +%FT%TZ)" "$PULUMI_YAML_VERSION" "$downloaded" \
  >>"$TOOLS_DIR/build-times.log"
log "pulumi-language-yaml $PULUMI_YAML_VERSION: $downloaded modules downloaded"
