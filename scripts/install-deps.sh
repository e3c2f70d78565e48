#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-deps.sh - install what tracebench needs to build and test on Debian 12.
# Idempotent: packages already present are not fetched again. Needs root (or sudo).
set -euo pipefail

PKGS=(
	build-essential cmake pkg-config git
	libnng-dev libmbedtls-dev libprotobuf-c-dev protobuf-c-compiler openssl
	liblz4-dev lz4 zlib1g-dev
	libmicrohttpd-dev libnghttp2-dev libcurl4-openssl-dev libcjson-dev libmsgpack-dev
	libsimdjson-dev
	libcriterion-dev libinih-dev libhttp-parser-dev
	clang libclang-rt-14-dev
	procps iproute2 libxml2-utils python3 python3-yaml systemd
	python3-aiozipkin python3-pytest
	gnuplot-nox chromium fonts-dejavu-core
	nginx haproxy
	golang-go golang-github-openzipkin-zipkin-go-dev libdd-opentracing-dev libopentracing-dev
)

# Node.js runs the clients with real tracers (client-shim/js). A machine may already have
# it from another apt source (NodeSource bundles npm in its nodejs), so the Debian
# packages are asked for only when the commands are missing.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

install_js() {
	# The JS clients' npm packages, exactly as package-lock.json pins them.
	local dir
	dir="$(cd "$(dirname "$0")/.." && pwd)/client-shim/js"
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
		echo "install-deps: npm ci in client-shim/js"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
	fi
}

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	install_js
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 2
	fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# nginx and HAProxy are run by tracebench itself, as proxies with their own
# configuration: their packages must not start them as system services (on port 80).
# Where no policy says otherwise, one is put in place for this install only.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	own_policy=1
fi
status=0
$SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	status=$?
[ -z "$own_policy" ] || $SUDO rm -f "$policy"
[ "$status" -eq 0 ] || exit "$status"
install_js
