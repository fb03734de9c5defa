#!/usr/bin/env bash
# Builds the checked-in Go SDK (sdk/go, or $1) with a consumer program that creates a Faktory, in a scratch module
# outside the repository (nothing is written under sdk/): every SDK package and the program must compile.
# github.com/pulumi/pulumi/sdk/v3 is the CLI's version ($PULUMI_VERSION), from the module proxy.
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
sdk="$(cd "${1:-$REPO_ROOT/sdk/go}" && pwd)"
module="$(sed -n 's/^module //p' "$sdk/go.mod")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init faktory-ha.local/sdk-go-consumer >/dev/null 2>&1
go mod edit -require "$module@v0.0.0" -replace "$module=$sdk" -require "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
cat >main.go <<GO
package main

import (
	"$module/faktoryha/k8s"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := k8s.NewFaktory(ctx, "jobs", &k8s.FaktoryArgs{Image: pulumi.String("ghcr.io/acme/faktory-ha:1.9.4-v0.2.0"), VpcCidrs: pulumi.ToStringArray([]string{"10.0.0.0/16"})})
		return err
	})
}
GO
go mod tidy >/dev/null 2>&1 || go mod tidy
log "building the Go SDK and a consumer (pulumi sdk $(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3))"
# The flags of prepare.sh, which compiled Pulumi's Go SDK into the build cache ahead of this.
timed "sdk-go-consumer" go build -trimpath -gcflags "$GO_GCFLAGS" -o /dev/null . "$module/..."
