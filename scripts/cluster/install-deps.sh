#!/usr/bin/env bash
# Installs the Debian packages the local cluster needs (idempotent; quiet when everything is there).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PKGS=(etcd-server containerd runc containernetworking-plugins mmdebstrap busybox-static openssl iptables
  conntrack socat ethtool iproute2 util-linux uidmap time tcpdump python3-venv)
missing=()
for p in "${PKGS[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
[[ $(id -u) -eq 0 ]] || die "installing ${missing[*]} needs root"
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian would start the packaged etcd and containerd services; the cluster scripts run their own, on
# loopback, with their own state. A policy-rc.d that says "no" (only while installing) keeps them stopped.
own_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
fi
trap '[[ $own_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
