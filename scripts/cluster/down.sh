#!/usr/bin/env bash
# Stops the local cluster started by up.sh and wipes its state (etcd, pods, pod network), keeping the
# certificates and the imported images so the next up.sh starts warm. `down.sh --purge` also removes the
# images (containerd's root). Idempotent and quiet: nothing running is not an error.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $(id -u) -eq 0 ]] || die "the local cluster needs root"
purge=0
[[ "${1:-}" == "--purge" ]] && purge=1
RUN="$CLUSTER_DIR/run"
BIN="$K8S_DIR/bin"
[[ -d "$CLUSTER_DIR" ]] || exit 0

pid_of() { [[ -f "$RUN/$1.pid" ]] && cat "$RUN/$1.pid"; }
alive() { local p; p="$(pid_of "$1")" && [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }
stop() { # stop NAME: TERM, up to 10 s, then KILL; by the pid up.sh recorded
  local name="$1" p
  p="$(pid_of "$name")" || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

# Pods first, through the kubelet, so their containers, network namespaces and volumes go away properly.
if alive kube-apiserver && alive kubelet; then
  "$BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" delete pods --all --all-namespaces --grace-period=0 --force \
    --wait=false >/dev/null 2>&1 || true
  # Controllers would recreate them: stop those first, then wait (bounded) for the sandboxes to go.
  stop kube-controller-manager
  "$BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" delete pods --all --all-namespaces --grace-period=0 --force \
    --wait=false >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do
    [[ -z "$(ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null)" ]] && break
    sleep 0.5
  done
fi
stop kubelet
stop kube-proxy
stop keda-adapter
stop keda-operator
stop kube-scheduler
stop kube-controller-manager
stop kube-apiserver
stop etcd
stop redis
# Anything the kubelet left: kill the remaining tasks and remove containers, then stop containerd.
if alive containerd; then
  for t in $(ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
  done
  sleep 0.5
  for c in $(ctr --address "$CONTAINERD_SOCK" -n k8s.io containers ls -q 2>/dev/null); do
    ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks delete -f "$c" >/dev/null 2>&1 || true
    ctr --address "$CONTAINERD_SOCK" -n k8s.io containers rm "$c" >/dev/null 2>&1 || true
  done
fi
stop containerd
# Shims of this containerd (identified by its socket in their command line), if any outlived it.
for d in /proc/[0-9]*; do
  if { tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null | grep -q -- "containerd-shim.*-address $CONTAINERD_SOCK"; then
    kill -KILL "${d#/proc/}" 2>/dev/null || true
  fi
done
# Mounts left under the cluster's folder (deepest first).
{ grep -o " $CLUSTER_DIR/[^ ]*" /proc/mounts 2>/dev/null || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done

# Network: kube-proxy's rules, the pod egress guard, the bridge.
if [[ -x "$BIN/kube-proxy" ]]; then "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
# The kubelet's own chains (KUBE-FIREWALL, KUBE-KUBELET-CANARY, ...), in every table, IPv4 and IPv6.
for ipt in iptables ip6tables; do
  for table in filter nat mangle; do
    rules="$("$ipt" -t "$table" -S 2>/dev/null)" || continue
    grep -E '^-A [A-Z-]+ .*-j KUBE-' <<<"$rules" | grep -v '^-A KUBE-' | while read -r rule; do
      # shellcheck disable=SC2086
      "$ipt" -t "$table" ${rule/-A /-D } 2>/dev/null || true
    done || true
    for chain in $(sed -n 's/^-N \(KUBE-[^ ]*\)$/\1/p' <<<"$rules"); do "$ipt" -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $(sed -n 's/^-N \(KUBE-[^ ]*\)$/\1/p' <<<"$rules"); do "$ipt" -t "$table" -X "$chain" 2>/dev/null || true; done
  done
done
if iptables -C FORWARD -j FHA-POD-EGRESS 2>/dev/null; then iptables -D FORWARD -j FHA-POD-EGRESS; fi
iptables -F FHA-POD-EGRESS 2>/dev/null || true
iptables -X FHA-POD-EGRESS 2>/dev/null || true
ip link del "$BRIDGE" 2>/dev/null || true

rm -rf "$CLUSTER_DIR/etcd" "$CLUSTER_DIR/kubelet" "$CLUSTER_DIR/cni/ipam" "$CLUSTER_DIR/redis" "$CLUSTER_DIR/containerd/state"
if [[ $purge -eq 1 ]]; then rm -rf "$CLUSTER_DIR/containerd"; fi
exit 0
