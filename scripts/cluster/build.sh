#!/usr/bin/env bash
# Builds every tool the local cluster and the cluster tests need, skipping what is already built:
# Kubernetes (build-k8s.sh), the Pulumi CLI and its Kubernetes provider (build-pulumi.sh), then KEDA's operator
# and metrics adapter (build-keda.sh: about 10 minutes of compiling the first time, for the Workers autoscaling
# test; up.sh starts them). The YAML language host (build-yaml.sh) is built by `npm run test:languages`, not
# yet part of `npm test`.
# Times of each build are appended to $TOOLS_DIR/build-times.log.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/build-k8s.sh"
"$here/build-pulumi.sh"
"$here/build-keda.sh"
