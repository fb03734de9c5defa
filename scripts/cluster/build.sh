#!/usr/bin/env bash
# Builds every tool the local cluster and the cluster tests need, skipping what is already built:
# Kubernetes (build-k8s.sh), the Pulumi CLI and its Kubernetes provider (build-pulumi.sh), the YAML language
# host (build-yaml.sh).
# Times of each build are appended to $TOOLS_DIR/build-times.log.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/build-k8s.sh"
"$here/build-pulumi.sh"
"$here/build-yaml.sh"
