#!/usr/bin/env bash
# Makes (once) the virtual environment the Python SDK check imports with: the `pulumi` package from PyPI at
# $PULUMI_PYTHON_VERSION, and wheel to install the SDK. Prints its path.
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
PULUMI_PYTHON_VERSION="3.272.0"
venv="$TOOLS_DIR/python-pulumi-$PULUMI_PYTHON_VERSION"
if [[ ! -f "$venv/.installed" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  timed "pip-pulumi-$PULUMI_PYTHON_VERSION" "$venv/bin/python" -m pip install --quiet "pulumi==$PULUMI_PYTHON_VERSION" wheel
  touch "$venv/.installed"
fi
echo "$venv"
