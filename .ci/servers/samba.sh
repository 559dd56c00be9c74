#!/usr/bin/env bash
# Samba AD DC on loopback for the Active Directory adapter's integration
# tests and benchmarks (adapters/ad).
#
# apt: samba samba-ad-dc winbind krb5-user ldap-utils openssl
#
# Usage: .ci/servers/samba.sh start|stop|status
#
#   start   provision (first time only) and start the DC, wait until LDAPS
#           answers, then print `export NAME=value` lines:
#             ORGSYNC_AD_URL       ldaps://127.0.0.1:636
#             ORGSYNC_AD_BIND      administrator@skole.test
#             ORGSYNC_AD_PASSWORD  the administrator password
#             ORGSYNC_AD_BASE      DC=skole,DC=test
#             ORGSYNC_AD_CA        path of our own CA certificate (PEM)
#           Running start again while the DC runs only prints the lines.
#   stop    stop the DC started by this script (by its PID); keep the state.
#   status  exit 0 when the DC answers on LDAPS.
#
# Needs root (ports 389/636, extended attributes). Installs nothing: .ci/run
# installs the packages above with DEBIAN_FRONTEND=noninteractive. Everything
# lives under ${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/samba:
#   tls/         our own CA and a server certificate for localhost/127.0.0.1
#                (Go rejects the certificate Samba makes for itself)
#   dc/          the provisioned domain (samba-tool --targetdir)
#   samba.pid    PID of the `samba -i -M single` process
#   samba.log    its output
#   adminpass    the administrator password chosen at provisioning
# Delete that directory to provision from scratch.
#
# Test settings: DNS, NetBIOS, WINS, winbind, the SMB file server, KCC and
# NTP signing are off (LDAP, CLDAP, RPC, KDC and replication stay on), and
# the directory database does not fsync (ldb:nosync), which halves the time
# of every write. Password complexity stays on, as in production.
set -euo pipefail

name=samba
dir="${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/$name"
tls="$dir/tls"
dc="$dir/dc"
pidfile="$dir/samba.pid"
log="$dir/samba.log"
realm=SKOLE.TEST
domain=SKOLE
base="DC=skole,DC=test"
bind="administrator@skole.test"
url="ldaps://127.0.0.1:636"

say() { echo "samba.sh: $*" >&2; }

running() {
	[[ -f "$pidfile" ]] || return 1
	local pid
	pid=$(cat "$pidfile")
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

answers() {
	[[ -f "$dir/adminpass" ]] || return 1
	LDAPTLS_CACERT="$tls/ca.pem" LDAPTLS_REQCERT=demand timeout 30 \
		ldapsearch -H "$url" -x -D "$bind" -y "$dir/adminpass" \
		-b "$base" -s base dn >/dev/null 2>&1
}

make_tls() {
	[[ -f "$tls/cert.pem" && -f "$tls/key.pem" && -f "$tls/ca.pem" ]] && return 0
	say "creating CA and server certificate in $tls"
	mkdir -p "$tls"
	(
		cd "$tls"
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
			-subj "/CN=orgsync test CA" -keyout ca.key -out ca.pem 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
			-keyout key.pem -out req.csr 2>/dev/null
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext.cnf
		openssl x509 -req -in req.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 3650 -extfile ext.cnf -out cert.pem 2>/dev/null
		chmod 600 key.pem ca.key
	)
}

provision() {
	[[ -f "$dc/etc/smb.conf" ]] && return 0
	say "provisioning $realm in $dc"
	rm -rf "$dc"
	mkdir -p "$dc"
	if [[ ! -f "$dir/adminpass" ]]; then
		# complexity stays on (as in production): upper, lower, digit, symbol
		printf 'Orgsync-%s-9a!' "$(openssl rand -hex 6)" >"$dir/adminpass"
		chmod 600 "$dir/adminpass"
	fi
	samba-tool domain provision --targetdir="$dc" --realm="$realm" \
		--domain="$domain" --server-role=dc --dns-backend=NONE --use-rfc2307 \
		--adminpass="$(cat "$dir/adminpass")" \
		--option="interfaces=lo" --option="bind interfaces only=yes" \
		--option="server services=-s3fs -dns -nbt -wrepl -winbindd -ntp_signd -kcc -dnsupdate" \
		--option="ldb:nosync=true" \
		--option="tls enabled=yes" --option="tls keyfile=$tls/key.pem" \
		--option="tls certfile=$tls/cert.pem" --option="tls cafile=$tls/ca.pem" \
		>"$dir/provision.log" 2>&1 || {
		say "provisioning failed; see $dir/provision.log"
		tail -20 "$dir/provision.log" >&2
		rm -rf "$dc"
		return 1
	}
}

print_env() {
	echo "export ORGSYNC_AD_URL=$url"
	echo "export ORGSYNC_AD_BIND=$bind"
	echo "export ORGSYNC_AD_PASSWORD='$(cat "$dir/adminpass")'"
	echo "export ORGSYNC_AD_BASE=$base"
	echo "export ORGSYNC_AD_CA=$tls/ca.pem"
}

start() {
	if [[ $(id -u) -ne 0 ]]; then
		say "must run as root (ports 389/636, extended attributes)"
		exit 1
	fi
	for tool in samba samba-tool ldapsearch openssl; do
		command -v "$tool" >/dev/null || {
			say "$tool not found; install: apt-get install -y samba samba-ad-dc winbind krb5-user ldap-utils openssl"
			exit 1
		}
	done
	mkdir -p "$dir"
	if running && answers; then
		print_env
		return 0
	fi
	if running; then
		# started but not answering yet, or busy: wait; never kill a
		# server that may only be slow (a long benchmark, a loaded host)
		for _ in $(seq 1 30); do answers && { print_env; return 0; }; sleep 1; done
		say "samba (pid $(cat "$pidfile")) runs but does not answer on $url; see $log, or run '$0 stop' and start again"
		exit 1
	fi
	make_tls
	provision
	# the foreground, single-process server; its children exit with it
	setsid samba -i -M single -s "$dc/etc/smb.conf" >"$log" 2>&1 </dev/null &
	echo $! >"$pidfile"
	for _ in $(seq 1 300); do
		if answers; then
			print_env
			return 0
		fi
		if ! running; then
			say "samba exited; last lines of $log:"
			tail -20 "$log" >&2
			exit 1
		fi
		sleep 0.2
	done
	say "samba did not answer on $url within 60 s; see $log"
	exit 1
}

stop() {
	if ! running; then
		rm -f "$pidfile"
		return 0
	fi
	local pid
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) running && answers ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
