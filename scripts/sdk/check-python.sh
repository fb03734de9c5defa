#!/usr/bin/env bash
# Byte-compiles the checked-in Python SDK (sdk/python, or $1) and imports it with the `pulumi` package from PyPI
# in the virtual environment python-env.sh makes once under $TOOLS_DIR.
# Nothing is written under sdk/.
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
sdk="$(cd "${1:-$REPO_ROOT/sdk/python}" && pwd)"
venv="$(bash "$(dirname "${BASH_SOURCE[0]}")/python-env.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
PYTHONPYCACHEPREFIX="$work/pycache" "$venv/bin/python" -m compileall -q "$sdk"
# Installed (the SDK reads its version from its package metadata), from a copy: setup.py writes beside itself.
cp -r "$sdk" "$work/sdk"
"$venv/bin/python" -m pip install --quiet --no-deps --no-build-isolation --target "$work/site" "$work/sdk"
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$work/site" "$venv/bin/python" - <<'PY'
import pulumi
from faktory_ha import k8s

args = k8s.FaktoryArgs(image="ghcr.io/acme/faktory-ha:1.9.4-v0.2.0", vpc_cidrs=["10.0.0.0/16"], secondaries=2)
assert issubclass(k8s.Faktory, pulumi.ComponentResource)
assert args.secondaries == 2 and k8s.FaktoryEdition.OSS.value == "oss"
print("faktory_ha", k8s.Faktory.__module__, "imports with pulumi", pulumi.__file__)
PY
