#!/usr/bin/env bash
# Builds every tool the cluster suite needs, skipping what is already built: Kubernetes (build-k8s.sh), the
# Pulumi CLI and its Kubernetes provider (build-pulumi.sh), KEDA's operator and metrics adapter (build-keda.sh;
# up.sh starts them), the YAML language host (build-yaml.sh), and what the SDK checks use (scripts/sdk/prepare.sh:
# the SDK generator, Pulumi's Go SDK compiled, the Python venv).
# Times of each build are appended to $TOOLS_DIR/build-times.log.
#
# One build at a time: .ci/run starts this in the background while the other suites run, and the cluster suite's
# own call (ready.sh) waits here for it, then finds everything built.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
mkdir -p "$TOOLS_DIR"
exec 9>"$TOOLS_DIR/build.lock"
if ! flock -n 9; then
  log "waiting for the tool build already running (its log: $TOOLS_DIR/prebuild.log)"
  flock 9
fi
"$here/build-k8s.sh"
"$here/build-pulumi.sh"
"$here/build-keda.sh"
"$here/build-yaml.sh"
"$here/../sdk/prepare.sh"
