# Shared settings for scripts/cluster/*.sh (sourced, not run).
# Pinned versions: change one here and the next build puts the new binary beside the old one.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Where built tools and the cluster's state live. Ignored by git; override to share one cache between clones.
TOOLS_DIR="${FAKTORY_HA_TOOLS_DIR:-$REPO_ROOT/.tools}"
K8S_VERSION="v1.34.4"
K8S_STAGING_VERSION="v0.34.4"
PULUMI_VERSION="v3.274.1"
# The YAML language host (github.com/pulumi/pulumi-yaml), for the YAML program test (scripts/cluster/build-yaml.sh).
PULUMI_YAML_VERSION="v1.25.0"
# KEDA (github.com/kedacore/keda/v2): the operator and the external-metrics adapter, for the Workers autoscaling
# test (scripts/cluster/build-keda.sh).
KEDA_VERSION="v2.21.0"
# The open-source Faktory release before the one scripts/install-faktory.sh installs: the Faktory upgrade test
# (test/cluster/05-faktory-upgrade) rolls a deployment from it to the current one.
FAKTORY_PREVIOUS_VERSION="v1.9.3"
# The Go module proxy serves the provider only as this pseudo-version; it is stamped with the version the
# @pulumi/kubernetes npm package asks the engine for (read from node_modules at build time).
PULUMI_K8S_PROVIDER_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
PULUMI_K8S_SDK_GO_VERSION="v4.24.0"

# Compiler flags for every tool build. Without optimisation and inlining the compile takes about 36 % less CPU
# (kube-apiserver: 416 s instead of 654 s of CPU on 2 cores), which is what lets a cold CI run build everything;
# the tools only serve a one-node test cluster. Set FAKTORY_HA_GO_GCFLAGS="" for optimised binaries (a
# binary already in .tools/ is not rebuilt: remove it first).
GO_GCFLAGS="${FAKTORY_HA_GO_GCFLAGS-all=-N -l}"

K8S_DIR="$TOOLS_DIR/kubernetes-$K8S_VERSION"
K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl kube-proxy)
PULUMI_DIR="$TOOLS_DIR/pulumi-$PULUMI_VERSION"
# The scalers compiled into KEDA's operator (pkg/scalers/<stem>_scaler.go; keda-triggers.py leaves out the rest):
# the Workers autoscaling uses metrics-api; the built-in cpu, memory, cron, external and workload triggers stay.
KEDA_SCALERS="metrics_api,cpu_memory,cron,external,kubernetes_workload"
KEDA_DIR="$TOOLS_DIR/keda-$KEDA_VERSION-$(printf '%s' "$KEDA_SCALERS" | cat - "$REPO_ROOT/scripts/cluster/keda-triggers.py" | sha256sum | cut -c1-8)"
PULUMI_YAML_DIR="$TOOLS_DIR/pulumi-yaml-$PULUMI_YAML_VERSION"
BUILD_DIR="$TOOLS_DIR/build"
CLUSTER_DIR="$TOOLS_DIR/cluster"

# The single node, all on loopback or on the bridge this script creates (pods live in network namespaces the
# CNI bridge plugin makes; the node's address is the bridge's, so nothing uses the machine's own interfaces).
NODE_NAME="faktory-ha-node"
NODE_ZONE="local-a"
POD_CIDR="10.244.0.0/24"
BRIDGE="fha0"
BRIDGE_IP="10.244.0.1"
SERVICE_CIDR="10.96.0.0/24"
ETCD_PORT=22379
ETCD_PEER_PORT=22380
APISERVER_PORT=16443
# Redis for the pods, on the node in place of ElastiCache (reachable from pods at $BRIDGE_IP).
REDIS_PORT=16379
KUBECONFIG_PATH="$CLUSTER_DIR/admin.kubeconfig"
CONTAINERD_SOCK="$CLUSTER_DIR/run/containerd.sock"
PAUSE_IMAGE="docker.io/faktory-ha/pause:1"

# pulumi_scratch_module NAME: makes the current directory a Go module (faktory-ha.local/NAME) that requires
# Pulumi's pkg/v3 at $PULUMI_VERSION, with the replaces of Pulumi's own pkg/go.mod (replaces do not carry over
# from a dependency).
pulumi_scratch_module() {
  rm -f go.mod
  go mod init "faktory-ha.local/$1" >/dev/null 2>&1
  go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
  go mod edit -replace golang.org/x/text=golang.org/x/text@v0.41.0
  go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" >/dev/null 2>&1 || go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
}

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# timed NAME CMD...: runs CMD, appends "NAME wall=…s user=…s sys=…s" to $TOOLS_DIR/build-times.log
timed() {
  local name="$1"; shift
  local tf; tf="$(mktemp)"
  local start end
  start=$(date +%s)
  /usr/bin/time -f "%U %S %M" -o "$tf" "$@"
  end=$(date +%s)
  read -r u s m <"$tf"; rm -f "$tf"
  printf '%s %s wall=%ss user=%ss sys=%ss maxrss=%sKB\n' "$(date -u +%FT%TZ)" "$name" "$((end - start))" "$u" "$s" "$m" >>"$TOOLS_DIR/build-times.log"
  log "built $name in $((end - start))s (cpu ${u}s user ${s}s sys)"
}
