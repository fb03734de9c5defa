#!/usr/bin/env bash
# Byte-compiles the checked-in Python SDK (sdk/python, or $1) and imports it with the `pulumi` package from PyPI
# ($PULUMI_PYTHON_VERSION, and wheel to install the SDK: in a virtual environment under $TOOLS_DIR, made once).
# Nothing is written under sdk/.
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
PULUMI_PYTHON_VERSION="3.272.0"
sdk="$(cd "${1:-$REPO_ROOT/sdk/python}" && pwd)"
venv="$TOOLS_DIR/python-pulumi-$PULUMI_PYTHON_VERSION"
if [[ ! -f "$venv/.installed" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  timed "pip-pulumi-$PULUMI_PYTHON_VERSION" "$venv/bin/python" -m pip install --quiet "pulumi==$PULUMI_PYTHON_VERSION" wheel
  touch "$venv/.installed"
fi
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
