#!/usr/bin/env bash
# Everything the local cluster's users (the cluster tests, `npm run bench:peer`) need, each step idempotent
# and skipping what is done: Debian packages, the tool builds (≈ 55 min of CPU the first time, cached
# under $TOOLS_DIR, KEDA included; waits for a build already running), the cluster itself with KEDA's operator
# and metrics adapter, the test images.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
"$here/install-deps.sh"
[[ -x .tools/bin/faktory ]] || scripts/install-faktory.sh
"$here/build.sh"
"$here/up.sh" >/dev/null
"$here/image.sh" test >/dev/null
"$here/image.sh" test-previous-faktory >/dev/null
