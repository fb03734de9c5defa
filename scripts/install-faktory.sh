#!/usr/bin/env bash
# Builds the open-source Faktory server from the Go module proxy into $FAKTORY_INSTALL_DIR
# (default: ./.tools/bin). `go install …@tag` is refused here (the proxy does not serve the module's
# version list, which `go install` asks for to check deprecation), so build it in a scratch module.
set -euo pipefail
FAKTORY_VERSION="${FAKTORY_VERSION:-v1.9.4}"
DEST="${FAKTORY_INSTALL_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.tools/bin}"
mkdir -p "$DEST"
if [ -x "$DEST/faktory" ] && "$DEST/faktory" -v 2>/dev/null | grep -q "Faktory ${FAKTORY_VERSION#v}"; then
  echo "faktory ${FAKTORY_VERSION} already in $DEST"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init faktory-build >/dev/null 2>&1
go get "github.com/contribsys/faktory/cmd/faktory@${FAKTORY_VERSION}"
go build -o "$DEST/faktory" github.com/contribsys/faktory/cmd/faktory
"$DEST/faktory" -v | head -1
