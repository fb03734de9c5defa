#!/usr/bin/env bash
# `npm run test:cluster`: everything the cluster tests need (ready.sh), then `vitest run --project cluster`
# (extra args passed on). FAKTORY_HA_CLUSTER_DOWN=1 stops the cluster afterwards (CI); otherwise it stays up
# for the next run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
"$here/ready.sh"
status=0
npx vitest run --project cluster "$@" || status=$?
if [[ "${FAKTORY_HA_CLUSTER_DOWN:-0}" == 1 ]]; then "$here/down.sh"; fi
exit $status
