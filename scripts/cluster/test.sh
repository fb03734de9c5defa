#!/usr/bin/env bash
# `npm run test:cluster`: everything the cluster tests need, then the tests. Each step is idempotent and
# skips what is done: Debian packages, the tool builds (≈ 50 min of compiling the first time, cached under
# $TOOLS_DIR), the cluster, the test image; then `vitest run --project cluster` (extra args passed on).
# FAKTORY_HA_CLUSTER_DOWN=1 stops the cluster afterwards (CI); otherwise it stays up for the next run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
"$here/install-deps.sh"
[[ -x .tools/bin/faktory ]] || scripts/install-faktory.sh
"$here/build.sh"
"$here/up.sh" >/dev/null
"$here/image.sh" test >/dev/null
status=0
npx vitest run --project cluster "$@" || status=$?
if [[ "${FAKTORY_HA_CLUSTER_DOWN:-0}" == 1 ]]; then "$here/down.sh"; fi
exit $status
