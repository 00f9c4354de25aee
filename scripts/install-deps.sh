#!/usr/bin/env bash
# install-deps.sh — install what offrecord's build, tests and demo need.
#
#   * Debian packages: prosody (XMPP server for tests), PostgreSQL (the bridge's
#     optional database, tested too), libotr (C OTR peer for
#     interop tests), openssl, pkg-config, gcc (cgo). Installed with apt-get
#     only when one is missing; needs root (or sudo) then.
#   * Dendrite (Matrix homeserver for tests): built from the pinned module in
#     tools/dendrite into .cache/bin when a binary is missing or the pins are
#     newer than the binaries.
#
# Idempotent and quiet: it prints one line per thing it actually does.
# VERBOSE=1 shows the tools' own output. Exit status non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/.cache/bin"
export PATH="/usr/local/go/bin:$PATH"
export CGO_ENABLED=1

apt_packages=(prosody lua-unbound openssl libotr5-dev libotr5-bin pkg-config gcc postgresql)
dendrite_cmds=(dendrite create-account generate-config generate-keys)

say() { echo "install-deps: $*"; }
die() { echo "install-deps: error: $*" >&2; exit 1; }

# run CMD... quietly; on failure show its output and stop.
run() {
	if [[ "${VERBOSE:-0}" == 1 ]]; then
		"$@" || die "failed: $*"
		return
	fi
	local log
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		tail -n 50 "$log" >&2
		rm -f "$log"
		die "failed: $* (last lines above; VERBOSE=1 shows everything)"
	fi
	rm -f "$log"
}

installed() {
	[[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

install_apt() {
	command -v dpkg-query >/dev/null || die "dpkg-query not found: this script supports Debian/Ubuntu only; install ${apt_packages[*]} by hand"
	local missing=() p
	for p in "${apt_packages[@]}"; do
		installed "$p" || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0

	local sudo=()
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || die "missing packages ${missing[*]}, and not root (no sudo either)"
		sudo=(sudo -n)
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run "${sudo[@]}" apt-get update -q
	run "${sudo[@]}" apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
	for p in "${missing[@]}"; do
		installed "$p" || die "package $p still not installed after apt-get install"
	done
}

dendrite_stale() {
	local c pin
	for c in "${dendrite_cmds[@]}"; do
		[[ -x "$bin/$c" ]] || return 0
		for pin in go.mod go.sum tools.go; do
			[[ "$root/tools/dendrite/$pin" -nt "$bin/$c" ]] && return 0
		done
	done
	return 1
}

build_dendrite() {
	dendrite_stale || return 0
	command -v go >/dev/null || die "go not found (looked in PATH and /usr/local/go/bin)"
	command -v gcc >/dev/null || die "gcc not found: Dendrite's SQLite driver needs cgo"
	local pkgs=() c start=$SECONDS
	for c in "${dendrite_cmds[@]}"; do
		pkgs+=("github.com/element-hq/dendrite/cmd/$c")
	done
	say "building Dendrite into .cache/bin (cold: ~4 min on 2 cores)"
	mkdir -p "$bin"
	# -mod=readonly: go.mod/go.sum must already be complete; never edit them here.
	(cd "$root/tools/dendrite" && run go build -mod=readonly -o "$bin/" "${pkgs[@]}")
	# go build leaves an up-to-date binary untouched; mark it fresh for dendrite_stale.
	for c in "${dendrite_cmds[@]}"; do
		touch "$bin/$c"
	done
	say "Dendrite built in $((SECONDS - start)) s"
}

install_apt
build_dendrite
