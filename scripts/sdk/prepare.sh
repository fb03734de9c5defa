#!/usr/bin/env bash
# What the SDK checks (test/unit/sdk/sdks.test.ts) need before they run, each step skipped once done: the SDK
# generator (build.sh), the Python venv (python-env.sh), and Pulumi's Go SDK compiled into Go's build cache with
# check-go.sh's flags (its first compile is most of the Go check's cold time).
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/build.sh" >/dev/null
bash "$here/python-env.sh" >/dev/null
marker="$TOOLS_DIR/sdk-go-deps-$PULUMI_VERSION"
[[ -f "$marker" ]] && exit 0
export GOFLAGS="${GOFLAGS:-} -mod=mod"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init faktory-ha.local/sdk-go-deps >/dev/null 2>&1
go mod edit -require "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
printf 'package main\n\nimport _ "github.com/pulumi/pulumi/sdk/v3/go/pulumi"\n\nfunc main() {}\n' >main.go
go mod tidy >/dev/null 2>&1 || go mod tidy
timed "sdk-go-deps-$PULUMI_VERSION" go build -trimpath -gcflags "$GO_GCFLAGS" -o /dev/null .
touch "$marker"
