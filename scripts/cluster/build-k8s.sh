#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kubectl ($K8S_VERSION) from Go
# modules into $TOOLS_DIR/kubernetes-$K8S_VERSION/bin, in one scratch module so they share the build cache.
# Skips every binary already there. k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces the
# staging modules with ./staging/...), hence the scratch module with those replaces pointed at the published
# k8s.io/* v0.x versions.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$K8S_DIR/bin"
missing=()
for b in "${K8S_BINARIES[@]}"; do [[ -x "$K8S_DIR/bin/$b" ]] || missing+=("$b"); done
[[ ${#missing[@]} -eq 0 ]] && exit 0

mod="$BUILD_DIR/kubernetes-$K8S_VERSION"
mkdir -p "$mod"
cd "$mod"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
if [[ ! -f go.sum ]] || ! grep -q "k8s.io/kubernetes $K8S_VERSION" go.mod 2>/dev/null; then
  log "preparing scratch module for kubernetes $K8S_VERSION"
  rm -f go.mod go.sum
  go mod init faktory-ha.local/kubernetes-build >/dev/null 2>&1
  gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\?$/\1/p')"
  [[ -f "$gomod" ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION"
  staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/.*#\1#p' "$gomod")
  [[ -n "$staging" ]] || die "no staging replaces found in $gomod"
  for m in $staging; do go mod edit -replace "$m=$m@$K8S_STAGING_VERSION"; done
  {
    echo '//go:build tools'
    echo 'package tools'
    echo 'import ('
    for b in "${K8S_BINARIES[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$b\""; done
    echo ')'
  } >tools.go
  go get "k8s.io/kubernetes@$K8S_VERSION" >/dev/null 2>&1 || go get "k8s.io/kubernetes@$K8S_VERSION"
  go mod tidy >/dev/null 2>&1 || go mod tidy
fi
pkg=k8s.io/component-base/version
cpkg=k8s.io/client-go/pkg/version
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
ld="-s -w"
for p in $pkg $cpkg; do
  ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  ld+=" -X $p.buildDate=1970-01-01T00:00:00Z -X $p.gitCommit=0000000000000000000000000000000000000000"
done
for b in "${missing[@]}"; do
  log "building $b $K8S_VERSION"
  timed "$b-$K8S_VERSION" go build -trimpath -gcflags "$GO_GCFLAGS" -ldflags "$ld" -o "$K8S_DIR/bin/$b.tmp" "k8s.io/kubernetes/cmd/$b"
  mv "$K8S_DIR/bin/$b.tmp" "$K8S_DIR/bin/$b"
done
