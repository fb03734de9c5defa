#!/usr/bin/env bash
# Generates the Go and Python SDKs of schema.json into <out dir>/go and <out dir>/python (default: sdk/, the
# checked-in SDKs), with the generator scripts/sdk/build.sh builds; then records schema.json's hash in
# <out dir>/schema.sha256 (test/unit/sdk/schema-hash.test.ts compares it). .NET: no dotnet toolchain and no
# .NET generator here (it lives in the pulumi-dotnet language host, which the module proxy does not serve).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/sdk}"
gen="$(bash "$root/scripts/sdk/build.sh")"
"$gen" "$root/schema.json" "$out" go python
sha256sum "$root/schema.json" | cut -d' ' -f1 >"$out/schema.sha256"
