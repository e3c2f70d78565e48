#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make-certs.sh - a lab CA and one certificate per host, for tls+tcp:// agent links.
#
#   scripts/make-certs.sh DIR HOST...
#
# Writes DIR/ca.crt and DIR/ca.key (the CA), and for each HOST DIR/HOST.crt and
# DIR/HOST.key: an ECDSA P-256 key and a certificate for it, signed by the CA, valid
# for DAYS days (default 825; set DAYS=N to change). A HOST is the name or address
# the orchestrator dials the agent by, or, for the orchestrator's own certificate, the
# name agents allow with --tls-allow. An existing CA in DIR is reused, so hosts can be
# added later. Keys are unencrypted (agents start unattended) and made 0600.
#
# Each certificate names HOST as its CN and as a DNS subjectAltName (also for an IP
# address, since mbedTLS, which nng's TLS runs on, matches names against DNS entries
# only), plus an IP subjectAltName when HOST is an address.
set -euo pipefail

usage() {
	sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'
}

if [ $# -ge 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; }; then
	usage
	exit 0
fi
if [ $# -lt 2 ]; then
	echo "make-certs.sh: expected DIR and at least one HOST (see --help)" >&2
	exit 2
fi
command -v openssl >/dev/null 2>&1 || { echo "make-certs.sh: openssl is not installed" >&2; exit 2; }

dir=$1
shift
days=${DAYS:-825}
case "$days" in
'' | *[!0-9]*) echo "make-certs.sh: DAYS=$days: expected a number of days" >&2; exit 2 ;;
esac
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.crt" ] || [ ! -f "$dir/ca.key" ]; then
	openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$days" \
		-subj "/CN=tracebench lab CA $(date -u +%Y%m%d%H%M%S)" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.crt"
	echo "make-certs.sh: CA $dir/ca.crt"
fi

for host in "$@"; do
	case "$host" in
	'' | */* | *' '*) echo "make-certs.sh: '$host' is not a host name or address" >&2; exit 2 ;;
	esac
	san="DNS:$host"
	if [[ "$host" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "$host" == *:* ]]; then
		san="$san,IP:$host"
	fi
	ext=$(mktemp)
	trap 'rm -f "$ext"' EXIT
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n'"\
"'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$san" > "$ext"
	openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$host.key" 2>/dev/null
	openssl req -new -key "$dir/$host.key" -subj "/CN=$host" -out "$dir/$host.csr"
	openssl x509 -req -in "$dir/$host.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -sha256 -days "$days" -extfile "$ext" -out "$dir/$host.crt" \
		2>/dev/null
	rm -f "$dir/$host.csr" "$ext"
	chmod 600 "$dir/$host.key"
	chmod 644 "$dir/$host.crt" "$dir/ca.crt"
	echo "make-certs.sh: $host: $dir/$host.crt, $dir/$host.key"
done
