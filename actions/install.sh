#!/usr/bin/env bash
# Set up depotci for the composite actions, once per runner, and print `bin=<launcher>` to GITHUB_OUTPUT.
#
#   deps  $CACHE/env-<hash of pyproject.toml>   a venv with the runtime dependencies (made once per runner)
#   code  $CACHE/src-<hash of the sources>      core/ and actions/ laid out as depotci.core / depotci.actions
#                                               (the wheel's layout, see setup.py) plus a launcher
#
# CACHE is $DEPOTCI_ACTION_CACHE, else $RUNNER_TOOL_CACHE/depotci, else ~/.cache/depotci-action. A warm run
# only hashes the sources. Both directories are built aside and renamed into place, so concurrent jobs on
# one runner never see a half-made install.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${DEPOTCI_ACTION_CACHE:-${RUNNER_TOOL_CACHE:+$RUNNER_TOOL_CACHE/depotci}}
cache=${cache:-$HOME/.cache/depotci-action}
py=${DEPOTCI_PYTHON:-python3}
mkdir -p "$cache"

hash_of() { sha256sum | cut -c1-16; }
deps_key=$(hash_of < "$root/pyproject.toml")
src_key=$(cd "$root" && find core actions -name __pycache__ -prune -o -type f \( -name '*.py' -o -name '*.pyi' \) -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | cat - pyproject.toml | hash_of)
env_dir=$cache/env-$deps_key
src_dir=$cache/src-$src_key

if [ ! -x "$env_dir/bin/python" ]; then
  echo "::group::Installing depotci dependencies (once per runner)"
  tmp=$(mktemp -d "$cache/.env-XXXXXX")
  deps=$("$py" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$root/pyproject.toml")
  if "$py" -m pip --version >/dev/null 2>&1; then
    # no pip inside the venv: the runner's pip installs into it (saves the ~4 s ensurepip takes)
    "$py" -m venv --without-pip "$tmp"
    mapfile -t reqs <<< "$deps"
    "$py" -m pip --python "$tmp/bin/python" install -q --disable-pip-version-check "${reqs[@]}"
  else
    "$py" -m venv "$tmp"
    mapfile -t reqs <<< "$deps"
    "$tmp/bin/pip" install -q --disable-pip-version-check "${reqs[@]}"
  fi
  mv -T "$tmp" "$env_dir" 2>/dev/null || rm -rf "$tmp"  # another job won the race: use its copy
  echo "::endgroup::"
fi

if [ ! -x "$src_dir/bin/depotci-github" ]; then
  tmp=$(mktemp -d "$cache/.src-XXXXXX")
  mkdir -p "$tmp/depotci" "$tmp/bin"
  for f in core actions; do
    (cd "$root" && find "$f" -name __pycache__ -prune -o -type f \( -name '*.py' -o -name '*.pyi' -o -name py.typed \) -print0 \
      | xargs -0 cp --parents -t "$tmp/depotci")
  done
  version=$("$py" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$root/pyproject.toml")
  mkdir -p "$tmp/depotci-$version.dist-info"
  printf 'Metadata-Version: 2.1\nName: depotci\nVersion: %s\n' "$version" > "$tmp/depotci-$version.dist-info/METADATA"
  final=$src_dir
  cat > "$tmp/bin/depotci-github" <<PY
#!$env_dir/bin/python
import sys
sys.path.insert(0, "$final")
from depotci.actions.main import main
sys.exit(main())
PY
  chmod +x "$tmp/bin/depotci-github"
  mv -T "$tmp" "$src_dir" 2>/dev/null || rm -rf "$tmp"
fi

echo "bin=$src_dir/bin/depotci-github" >> "${GITHUB_OUTPUT:-/dev/stdout}"
