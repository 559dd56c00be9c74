#!/usr/bin/env bash
# SimpleSAMLphp as a SAML 2.0 IdP on loopback for the admin UI's sign-in
# tests (broker/ui): a real, independent IdP that the SP (crewjam/saml)
# talks to as it would to a municipality's AD FS or OS2faktor.
# apt: simplesamlphp php-cli php-xml php-mbstring openssl curl
# The admin UI's browser tests (broker/ui TestBrowser: chromedp, headless)
# sign in through this IdP with Debian's chromium:
# apt: chromium
#
# usage: .ci/servers/simplesamlphp.sh start|stop|status
#   start  idempotent; on first use writes a configuration (config.php,
#          authsources.php with the test users, the hosted IdP and the
#          remote SP metadata) and a signing key pair, then runs PHP's
#          built-in server on 127.0.0.1:${ORGSYNC_SAML_IDP_PORT:-18480}
#          (no Apache) in the background, waits until the IdP's metadata
#          answers and prints
#            export ORGSYNC_SAML_IDP_METADATA=http://127.0.0.1:PORT/saml2/idp/metadata.php
#            export ORGSYNC_SAML_SP_URL=http://127.0.0.1:SPPORT/ui   (where the test's SP must listen)
#            export ORGSYNC_SAML_PASSWORD=...                          (every test user's password)
#          for `eval "$(.ci/servers/simplesamlphp.sh start)"`.
#   stop   stops the server started here (by its pid file).
# The test users (exampleauth:UserPass) and their attributes: uid, and
# orgsyncRole / orgsyncInstitution / orgsyncClass / orgsyncChild, which the
# test's AttributeMap maps onto the broker's roles and scopes. Their scopes
# name the synthetic municipality's (orgmodel/synth Tiny) first school
# 200001, its class G0000004 and its pupil p00000017:
#   kommune-admin (municipal-admin), dpo (privacy-officer),
#   skoleleder (school-admin of 200001), laerer (teacher of 200001/G0000004),
#   foraelder (parent of p00000017), uden-rolle (no role: refused).
# State lives in ${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/simplesamlphp.
# Nothing is installed here: .ci/run installs the packages on the apt: line.
set -euo pipefail

DIR="${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/simplesamlphp"
PORT="${ORGSYNC_SAML_IDP_PORT:-18480}"
SPPORT="${ORGSYNC_SAML_SP_PORT:-18481}"
PIDFILE="$DIR/php.pid"
LOG="$DIR/php.log"
WWW=/usr/share/simplesamlphp/www
PASSWORD="orgsync-Test-2026"

log() { echo "simplesamlphp.sh: $*" >&2; }

running() {
	[ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

answers() {
	curl -fsS "http://127.0.0.1:$PORT/saml2/idp/metadata.php" 2>/dev/null | grep -q 'IDPSSODescriptor'
}

print_env() {
	echo "export ORGSYNC_SAML_IDP_METADATA=http://127.0.0.1:$PORT/saml2/idp/metadata.php"
	echo "export ORGSYNC_SAML_SP_URL=http://127.0.0.1:$SPPORT/ui"
	echo "export ORGSYNC_SAML_PASSWORD=$PASSWORD"
}

user() { # name role [attribute=value ...]
	local name=$1 role=$2
	shift 2
	printf "    '%s:%s' => [\n        'uid' => ['%s'],\n" "$name" "$PASSWORD" "$name"
	[ -n "$role" ] && printf "        'orgsyncRole' => ['%s'],\n" "$role"
	for kv in "$@"; do
		printf "        '%s' => ['%s'],\n" "${kv%%=*}" "${kv#*=}"
	done
	printf "    ],\n"
}

setup() {
	mkdir -p "$DIR/cert" "$DIR/log" "$DIR/data" "$DIR/tmp" "$DIR/sessions" "$DIR/metadata" "$DIR/config"
	chmod 700 "$DIR"
	if [ ! -f "$DIR/cert/idp.crt" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=orgsync-test-idp \
			-keyout "$DIR/cert/idp.key" -out "$DIR/cert/idp.crt" 2>/dev/null
	fi
	[ -f "$DIR/secret" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$DIR/secret"
	local secret
	secret=$(cat "$DIR/secret")
	cat >"$DIR/config/config.php" <<PHP
<?php
\$config = [
    'baseurlpath' => 'http://127.0.0.1:$PORT/',
    'certdir' => '$DIR/cert/',
    'loggingdir' => '$DIR/log/',
    'datadir' => '$DIR/data/',
    'tempdir' => '$DIR/tmp',
    'technicalcontact_name' => 'orgsync tests',
    'technicalcontact_email' => 'orgsync-tests@example.invalid',
    'secretsalt' => '$secret',
    'auth.adminpassword' => '$secret',
    'admin.protectindexpage' => true,
    'admin.protectmetadata' => false,
    'timezone' => 'UTC',
    'logging.level' => SimpleSAML\Logger::NOTICE,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
    'session.cookie.secure' => false,
    'session.phpsession.savepath' => '$DIR/sessions',
    'store.type' => 'phpsession',
    'metadata.sources' => [['type' => 'flatfile', 'directory' => '$DIR/metadata']],
    'language.default' => 'en',
    'language.available' => ['en', 'da'],
];
PHP
	{
		echo "<?php"
		echo "\$config = ["
		echo "  'admin' => ['core:AdminPassword'],"
		echo "  'orgsync-users' => ['exampleauth:UserPass',"
		user kommune-admin municipal-admin
		user dpo privacy-officer
		user skoleleder school-admin orgsyncInstitution=200001
		user laerer teacher orgsyncInstitution=200001 orgsyncClass=200001/G0000004
		user foraelder parent orgsyncChild=p00000017
		user uden-rolle ""
		echo "  ],"
		echo "];"
	} >"$DIR/config/authsources.php"
	cat >"$DIR/metadata/saml20-idp-hosted.php" <<PHP
<?php
\$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'orgsync-users',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
];
PHP
	cat >"$DIR/metadata/saml20-sp-remote.php" <<PHP
<?php
\$metadata['http://127.0.0.1:$SPPORT/ui/saml/metadata'] = [
    'AssertionConsumerService' => 'http://127.0.0.1:$SPPORT/ui/saml/acs',
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
];
PHP
}

start() {
	if running && answers; then
		print_env
		return
	fi
	[ -d "$WWW" ] || { log "SimpleSAMLphp is not installed ($WWW missing)"; exit 1; }
	setup
	# Several workers: one browser keeping a connection open must not block
	# another (the built-in server is single-threaded without them).
	PHP_CLI_SERVER_WORKERS=4 SIMPLESAMLPHP_CONFIG_DIR="$DIR/config" setsid php -S "127.0.0.1:$PORT" -t "$WWW" >"$LOG" 2>&1 </dev/null &
	echo $! >"$PIDFILE"
	for _ in $(seq 1 100); do
		if answers; then
			print_env
			return
		fi
		running || break
		sleep 0.1
	done
	log "the IdP did not answer; log:"
	tail -20 "$LOG" >&2 || true
	tail -20 "$DIR/log/simplesamlphp.log" >&2 2>/dev/null || true
	exit 1
}

stop() {
	if running; then
		# setsid made the server the leader of its process group: stop
		# it with its workers.
		kill -- "-$(cat "$PIDFILE")" 2>/dev/null || kill "$(cat "$PIDFILE")" 2>/dev/null || true
	fi
	rm -f "$PIDFILE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status)
	if running && answers; then
		echo "simplesamlphp: running on 127.0.0.1:$PORT"
	else
		echo "simplesamlphp: not running"
		exit 1
	fi
	;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
