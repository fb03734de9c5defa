#!/usr/bin/env bash
# Builds every tool the local cluster and the cluster tests need, skipping what is already built:
# Kubernetes (build-k8s.sh), then the Pulumi CLI and its Kubernetes provider (build-pulumi.sh). The YAML
# language host (build-yaml.sh) is built by `npm run test:languages`, not yet part of `npm test`.
# Times of each build are appended to $TOOLS_DIR/build-times.log.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/build-k8s.sh"
"$here/build-pulumi.sh"
