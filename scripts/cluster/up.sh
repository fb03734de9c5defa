#!/usr/bin/env bash
# Starts the local single-node Kubernetes ($K8S_VERSION) the cluster tests use, and prints the kubeconfig path.
# Idempotent: a running cluster is left as it is (and its kubeconfig printed). Quiet on success; on a failure it
# names the component and prints the tail of its log. Everything listens on loopback, except the node's bridge
# ($BRIDGE, $BRIDGE_IP) that the pods' network namespaces hang off. Stop it with down.sh (`npm run cluster:down`).
# Needs: install-deps.sh (Debian packages) and build.sh (Kubernetes binaries), run once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $(id -u) -eq 0 ]] || die "the local cluster needs root (containerd, kubelet, network namespaces)"
for b in "${K8S_BINARIES[@]}"; do
  [[ -x "$K8S_DIR/bin/$b" ]] || die "$K8S_DIR/bin/$b is missing: run scripts/cluster/build.sh first"
done
for c in etcd containerd runc redis-server openssl iptables; do
  command -v "$c" >/dev/null || die "$c is missing: run scripts/cluster/install-deps.sh first"
done
[[ -x /usr/lib/cni/bridge ]] || die "CNI plugins missing: run scripts/cluster/install-deps.sh first"

BIN="$K8S_DIR/bin"
PKI="$CLUSTER_DIR/pki"
LOGS="$CLUSTER_DIR/logs"
RUN="$CLUSTER_DIR/run"
mkdir -p "$PKI" "$LOGS" "$RUN" "$CLUSTER_DIR/etc"
export KUBECONFIG="$KUBECONFIG_PATH"
kubectl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

running() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
# start NAME CMD...: runs CMD in the background (own session), pid in $RUN/NAME.pid, log in $LOGS/NAME.log,
# its command line in $RUN/NAME.args. A process already running with the same command line is left alone; one
# started with another (a flag added here since) is stopped (TERM, up to 10 s, then KILL) and started again.
# Without NAME.args (started by an older up.sh) the running process's own command line is compared.
start() {
  local name="$1"; shift
  if running "$name"; then
    local p have; p="$(cat "$RUN/$name.pid")"
    if [[ -f "$RUN/$name.args" ]]; then have="$(cat "$RUN/$name.args")"; else
      have="$(tr '\0' ' ' <"/proc/$p/cmdline")"; have="${have% }"
    fi
    [[ "$have" == "$*" ]] && { printf '%s' "$*" >"$RUN/$name.args"; return 0; }
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  printf '%s' "$*" >"$RUN/$name.args"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}
fail() {
  local name="$1"; shift
  printf 'error: %s\n' "$*" >&2
  [[ -f "$LOGS/$name.log" ]] && { printf -- '--- last lines of %s\n' "$LOGS/$name.log" >&2; tail -n 25 "$LOGS/$name.log" >&2; }
  exit 1
}
# wait_for NAME SECONDS CMD...: polls CMD every 0.2 s until it succeeds; fails naming NAME after SECONDS.
wait_for() {
  local name="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    running "$name" || [[ ! -f "$RUN/$name.pid" ]] || fail "$name" "$name exited while starting"
    ((SECONDS < deadline)) || fail "$name" "$name not ready after ${secs}s"
    sleep 0.2
  done
}

# --- certificates (once) ------------------------------------------------------------------------------
# write FILE: stdin to FILE, only when different (the kubelet and kube-proxy restart on a rewritten config).
write() {
  local tmp; tmp="$(mktemp "$1.XXXXXX")"
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

cert() { # cert NAME CN O [SANs] [CA name, default ca]
  local name="$1" cn="$2" o="$3" sans="${4:-}" ca="${5:-ca}"
  [[ -f "$PKI/$name.crt" ]] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  local subj="/CN=$cn"; [[ -n "$o" ]] && subj="/O=$o/CN=$cn"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  local ext="$PKI/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"
    [[ -n "$sans" ]] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}
ca() { # ca NAME CN
  [[ -f "$PKI/$1.crt" ]] && return 0
  openssl genrsa -out "$PKI/$1.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 3650 -sha256 -out "$PKI/$1.crt" 2>/dev/null
}
ca ca faktory-ha-local-ca
# The aggregation layer's own CA (as kubeadm's front-proxy-ca): the API server presents front-proxy-client to
# the aggregated API servers (KEDA's metrics adapter), which trust the user it names in X-Remote-User only
# from a client certificate of this CA with that name.
ca front-proxy-ca faktory-ha-local-front-proxy-ca
cert front-proxy-client front-proxy-client "" "" front-proxy-ca
cert apiserver kube-apiserver "" \
  "IP:127.0.0.1,IP:10.96.0.1,IP:$BRIDGE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert admin admin system:masters
cert apiserver-kubelet kube-apiserver-kubelet-client system:masters
cert controller-manager system:kube-controller-manager ""
cert scheduler system:kube-scheduler ""
cert kube-proxy system:kube-proxy ""
cert kubelet "system:node:$NODE_NAME" system:nodes "IP:$BRIDGE_IP,IP:127.0.0.1,DNS:$NODE_NAME"
if [[ ! -f "$PKI/sa.key" ]]; then
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
fi
kubeconfig() { # kubeconfig FILE CERTNAME
  write "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    certificate-authority: $PKI/ca.crt
    server: https://127.0.0.1:$APISERVER_PORT
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: local
  context: {cluster: local, user: $2}
current-context: local
KC
}
for u in admin controller-manager scheduler kube-proxy kubelet; do
  kubeconfig "$CLUSTER_DIR/$u.kubeconfig" "$u"
done

# --- the node's bridge (the pods' gateway and the node's address) ------------------------------------------
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
fi
addrs="$(ip addr show dev "$BRIDGE")"
grep -q "inet $BRIDGE_IP/" <<<"$addrs" || ip addr add "$BRIDGE_IP/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
# Services are DNAT'ed on the node, so it must forward between pods; nothing from the pod range may leave
# through any other interface (only the bridge and the node itself carry pod traffic).
sysctl -qw net.ipv4.ip_forward=1
iptables -N FHA-POD-EGRESS 2>/dev/null || true
iptables -C FORWARD -j FHA-POD-EGRESS 2>/dev/null || iptables -I FORWARD 1 -j FHA-POD-EGRESS
iptables -F FHA-POD-EGRESS
iptables -A FHA-POD-EGRESS -s "$POD_CIDR" ! -o "$BRIDGE" -j DROP
iptables -A FHA-POD-EGRESS -d "$POD_CIDR" ! -o "$BRIDGE" -j DROP

# --- etcd -------------------------------------------------------------------------------------------------
start etcd etcd --name "$NODE_NAME" --data-dir "$CLUSTER_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "$NODE_NAME=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" \
  --quota-backend-bytes 2147483648 --unsafe-no-fsync
wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# --- kube-apiserver -------------------------------------------------------------------------------------
# The aggregation layer (APIService v1beta1.external.metrics.k8s.io → KEDA's metrics adapter): the
# requestheader/proxy-client flags, and --enable-aggregator-routing so that the API server (on loopback)
# dials the adapter's Endpoints address (the node's bridge) instead of a ClusterIP only kube-proxy's rules route.
start kube-apiserver "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
  --endpoint-reconciler-type none --service-cluster-ip-range "$SERVICE_CIDR" \
  --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet.crt" --kubelet-client-key "$PKI/apiserver-kubelet.key" \
  --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=true \
  --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
  --enable-aggregator-routing=true \
  --profiling=false
wait_for kube-apiserver 60 curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
  "https://127.0.0.1:$APISERVER_PORT/readyz"

# --- controller-manager and scheduler -----------------------------------------------------------------------
start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false --profiling=false
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false

# --- containerd (own socket and state; restrict_oom_score_adj: runc may not lower its oom score here) ---------
mkdir -p "$CLUSTER_DIR/cni/net.d"
write "$CLUSTER_DIR/cni/net.d/10-faktory-ha.conflist" <<CNI
{
  "cniVersion": "0.4.0",
  "name": "faktory-ha",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$BRIDGE_IP" }]],
                "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "$CLUSTER_DIR/cni/ipam" }
    }
  ]
}
CNI
write "$CLUSTER_DIR/etc/containerd.toml" <<TOML
version = 2
root = "$CLUSTER_DIR/containerd/root"
state = "$CLUSTER_DIR/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
TOML
start containerd containerd --config "$CLUSTER_DIR/etc/containerd.toml"
wait_for containerd 30 ctr --address "$CONTAINERD_SOCK" version

# The pause image (any local image whose command sleeps): busybox-static, as an OCI archive.
images="$(ctr --address "$CONTAINERD_SOCK" -n k8s.io images ls -q)"
if ! grep -qx "$PAUSE_IMAGE" <<<"$images"; then
  "$(dirname "${BASH_SOURCE[0]}")/image.sh" pause >/dev/null
fi

# --- kubelet --------------------------------------------------------------------------------------------
write "$CLUSTER_DIR/etc/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $BRIDGE_IP
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
failSwapOn: false
resolvConf: ""
clusterDomain: cluster.local
registerNode: true
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {"memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%"}
makeIPTablesUtilChains: false
localStorageCapacityIsolation: true
maxPods: 40
# Mounted ConfigMaps are refreshed on each pod sync: every 10 s rather than every minute (conf.d changes).
syncFrequency: 10s
shutdownGracePeriod: 0s
YAML
mkdir -p "$CLUSTER_DIR/kubelet"
start kubelet "$BIN/kubelet" --config "$CLUSTER_DIR/etc/kubelet.yaml" --kubeconfig "$CLUSTER_DIR/kubelet.kubeconfig" \
  --root-dir "$CLUSTER_DIR/kubelet" --hostname-override "$NODE_NAME" --node-ip "$BRIDGE_IP" \
  --node-labels "topology.kubernetes.io/zone=$NODE_ZONE"

# --- kube-proxy (iptables; masquerade all Service traffic: replies between pods on one bridge then come back
# through the node and are un-NATed) -----------------------------------------------------------------------------
write "$CLUSTER_DIR/etc/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $CLUSTER_DIR/kube-proxy.kubeconfig}
mode: iptables
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $POD_CIDR
iptables: {masqueradeAll: true}
conntrack: {maxPerCore: 0}
nodePortAddresses: ["$BRIDGE_IP/32"]
YAML
start kube-proxy "$BIN/kube-proxy" --config "$CLUSTER_DIR/etc/kube-proxy.yaml"

# --- Redis for the pods (in place of ElastiCache) -------------------------------------------------------------
if ! running redis; then
  mkdir -p "$CLUSTER_DIR/redis"
  start redis redis-server --bind "127.0.0.1 $BRIDGE_IP" --port "$REDIS_PORT" --protected-mode no \
    --save "" --appendonly no --dir "$CLUSTER_DIR/redis" --maxmemory-policy noeviction
fi
wait_for redis 20 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping

# --- KEDA ($KEDA_VERSION, built by build-keda.sh): the operator and the external-metrics adapter -------------
# Processes on the node, like the control plane, not pods: the API server listens on loopback only (a pod
# cannot reach it; the `kubernetes` Service has no endpoints) and the node has no cluster DNS or registry. Each
# runs as KEDA's own ServiceAccount keda/keda-operator with KEDA's RBAC (config/rbac, config/metrics-server
# of the module): a client certificate naming system:serviceaccount:keda:keda-operator, which RBAC matches as
# that ServiceAccount. One certificate of the cluster CA (KEDA's cert dir: ca.crt, tls.crt, tls.key) serves
# the operator's metrics gRPC service (the adapter's client certificate too, as KEDA's own rotation makes it)
# and the adapter's HTTPS (the APIService's caBundle is the cluster CA). No admission webhooks.
start_keda() {
  local keda="$CLUSTER_DIR/keda" src
  mkdir -p "$keda/certs"
  cert keda-operator system:serviceaccount:keda:keda-operator system:serviceaccounts
  kubeconfig "$CLUSTER_DIR/keda-operator.kubeconfig" keda-operator
  cert keda-serving keda-operator "" \
    "IP:127.0.0.1,IP:$BRIDGE_IP,DNS:localhost,DNS:keda-operator.keda.svc,DNS:keda-operator.keda.svc.cluster.local,DNS:keda-metrics-apiserver.keda.svc,DNS:keda-metrics-apiserver.keda.svc.cluster.local"
  cp "$PKI/ca.crt" "$keda/certs/ca.crt"
  cp "$PKI/keda-serving.crt" "$keda/certs/tls.crt"
  cp "$PKI/keda-serving.key" "$keda/certs/tls.key"
  # The CRDs, namespace, ServiceAccount, RBAC and APIService once per cluster (the APIService applied last).
  if ! kubectl get apiservice v1beta1.external.metrics.k8s.io >/dev/null 2>&1; then
    src="$KEDA_DIR/config"
    [[ -d "$src" ]] || fail kube-apiserver "KEDA's manifests are missing ($src): run scripts/cluster/build-keda.sh"
    kubectl apply --server-side -f "$KEDA_DIR/crd" >/dev/null
    kubectl apply -f "$src/general/namespace.yaml" >/dev/null
    kubectl apply -f "$src/service_account/service_account.yaml" -f "$src/rbac/role.yaml" \
      -f "$src/rbac/aggregate_cluster_roles.yaml" -f "$src/metrics-server/role.yaml" \
      -f "$src/metrics-server/role_binding.yaml" >/dev/null
    # (Its RoleBinding names no namespace: kustomize gives it KEDA's.)
    kubectl apply -n keda -f "$src/rbac/role_binding.yaml" >/dev/null
    # The adapter behind a Service without selector whose Endpoints name the node's bridge address (kubectl's
    # output kept for a failure only: it warns that v1 Endpoints are deprecated; the EndpointSlice mirroring
    # controller mirrors them).
    local out
    out="$(kubectl apply -f - 2>&1 <<YAML
apiVersion: v1
kind: Service
metadata: {name: keda-metrics-apiserver, namespace: keda, labels: {app: keda-metrics-apiserver}}
spec:
  ports: [{name: https, port: 443, targetPort: 6443, protocol: TCP}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: keda-metrics-apiserver, namespace: keda, labels: {app: keda-metrics-apiserver}}
subsets:
- addresses: [{ip: $BRIDGE_IP}]
  ports: [{name: https, port: 6443, protocol: TCP}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.external.metrics.k8s.io, labels: {app.kubernetes.io/part-of: keda-operator}}
spec:
  service: {name: keda-metrics-apiserver, namespace: keda, port: 443}
  group: external.metrics.k8s.io
  version: v1beta1
  caBundle: $(base64 -w0 "$PKI/ca.crt")
  groupPriorityMinimum: 100
  versionPriority: 100
YAML
)" || fail kube-apiserver "applying KEDA's Service, Endpoints and APIService: $out"
  fi
  local env=(env KUBECONFIG="$CLUSTER_DIR/keda-operator.kubeconfig" POD_NAMESPACE=keda
    KEDA_CLUSTER_OBJECT_NAMESPACE=keda WATCH_NAMESPACE= KEDA_HTTP_DEFAULT_TIMEOUT=3000)
  start keda-operator "${env[@]}" "$KEDA_DIR/keda" --leader-elect=false --zap-log-level=info \
    --zap-encoder=console --zap-time-encoding=rfc3339 --enable-cert-rotation=false --cert-dir "$keda/certs" \
    --metrics-bind-address 127.0.0.1:18080 --health-probe-bind-address 127.0.0.1:18081 \
    --metrics-service-bind-address 127.0.0.1:9666 --ca-dir "$keda/certs" --enable-webhook-patching=false \
    --enable-apiservice-patching=false
  start keda-adapter "${env[@]}" "$KEDA_DIR/keda-adapter" --secure-port 6443 --bind-address "$BRIDGE_IP" \
    --zap-log-level=info --client-ca-file "$keda/certs/ca.crt" --tls-cert-file "$keda/certs/tls.crt" \
    --tls-private-key-file "$keda/certs/tls.key" --cert-dir "$keda/certs" \
    --lister-kubeconfig "$CLUSTER_DIR/keda-operator.kubeconfig" \
    --authentication-kubeconfig "$CLUSTER_DIR/keda-operator.kubeconfig" \
    --authorization-kubeconfig "$CLUSTER_DIR/keda-operator.kubeconfig" \
    --metrics-service-address 127.0.0.1:9666 --port 18082
  wait_for keda-operator 90 curl -fsS http://127.0.0.1:18081/readyz
  wait_for keda-adapter 90 kubectl get --raw /apis/external.metrics.k8s.io/v1beta1
}

# --- the node Ready ------------------------------------------------------------------------------------------
ready() { [[ "$(kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" == True ]]; }
wait_for kubelet 90 ready
wait_for kube-proxy 30 curl -fsS http://127.0.0.1:10256/healthz
# The controller-manager is working once it has made the default ServiceAccount (pods need it).
wait_for kube-controller-manager 60 kubectl get serviceaccount default -n default
# The kubelet sets the zone label only at registration: keep it right on a node registered earlier.
kubectl label node "$NODE_NAME" --overwrite "topology.kubernetes.io/zone=$NODE_ZONE" >/dev/null
# KEDA when built (ready.sh builds it; FAKTORY_HA_KEDA=0 leaves it out).
if [[ "${FAKTORY_HA_KEDA:-1}" == 1 && -x "$KEDA_DIR/keda" && -x "$KEDA_DIR/keda-adapter" && -d "$KEDA_DIR/config" ]]; then
  start_keda
fi
echo "$KUBECONFIG_PATH"
