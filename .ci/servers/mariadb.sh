#!/usr/bin/env bash
# MariaDB on loopback for orgsync's SQL integration tests (snapshot store,
# payroll SQL source, SQL replica).
# apt: mariadb-server mariadb-client
#
# usage: .ci/servers/mariadb.sh start|stop|status
#   start  idempotent; initialises a private data directory on first use,
#          starts mariadbd on 127.0.0.1:${ORGSYNC_MYSQL_PORT:-13306}, waits until
#          it answers, creates the database "orgsync" and prints
#            export ORGSYNC_MYSQL_DSN=root@tcp(127.0.0.1:PORT)/orgsync?parseTime=true
#          for `eval "$(.ci/servers/mariadb.sh start)"`.
#   stop   stops the server started here (by its pid file).
# State lives in ${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/mariadb. root has
# an empty password on this private instance, which only listens on loopback.
# Nothing is installed here: .ci/run installs the packages on the apt: line.
set -euo pipefail

DIR="${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/mariadb"
PORT="${ORGSYNC_MYSQL_PORT:-13306}"
DB=orgsync
PIDFILE="$DIR/mariadb.pid"
SOCK="$DIR/mysql.sock"
LOG="$DIR/mariadb.log"

log() { echo "mariadb.sh: $*" >&2; }

find_bin() {
	local b
	for b in "$@"; do
		if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
		for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
			if [ -x "$d/$b" ]; then echo "$d/$b"; return 0; fi
		done
	done
	return 1
}

client() { "$CLIENT" --protocol=tcp -h127.0.0.1 -P"$PORT" -uroot "$@"; }

running() {
	[ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

print_env() {
	echo "export ORGSYNC_MYSQL_DSN='root@tcp(127.0.0.1:$PORT)/$DB?parseTime=true'"
}

start() {
	SERVER="$(find_bin mariadbd mysqld)" || { log "mariadbd not found; install: apt-get install -y mariadb-server mariadb-client"; exit 1; }
	CLIENT="$(find_bin mariadb mysql)" || { log "mariadb client not found"; exit 1; }
	INSTALL="$(find_bin mariadb-install-db mysql_install_db)" || { log "mariadb-install-db not found"; exit 1; }
	mkdir -p "$DIR"
	if running && client -e 'select 1' >/dev/null 2>&1; then
		print_env
		return 0
	fi
	local userarg=()
	if [ "$(id -u)" = 0 ]; then userarg=(--user=root); fi
	if [ ! -d "$DIR/data/mysql" ]; then
		log "initialising $DIR/data"
		"$INSTALL" "${userarg[@]}" --datadir="$DIR/data" --auth-root-authentication-method=normal \
			--skip-test-db >"$DIR/install.log" 2>&1 || { cat "$DIR/install.log" >&2; exit 1; }
	fi
	if client -e 'select 1' >/dev/null 2>&1; then
		log "port $PORT already answers, but not from the server in $DIR; stop it or set ORGSYNC_MYSQL_PORT"
		exit 1
	fi
	log "starting mariadbd on 127.0.0.1:$PORT"
	nohup "$SERVER" --no-defaults "${userarg[@]}" --datadir="$DIR/data" --socket="$SOCK" --port="$PORT" \
		--bind-address=127.0.0.1 --pid-file="$PIDFILE" --skip-name-resolve \
		--log-error="$LOG" --innodb-buffer-pool-size=64M >/dev/null 2>&1 &
	local pid=$!
	for _ in $(seq 1 120); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "mariadbd exited during start; log follows"
			tail -n 40 "$LOG" >&2 || true
			exit 1
		fi
		# Ready when our own process answers on its socket and on the port.
		if "$CLIENT" -S "$SOCK" -uroot -e 'select 1' >/dev/null 2>&1 && client -e 'select 1' >/dev/null 2>&1; then
			client -e "CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4" 
			print_env
			return 0
		fi
		sleep 0.5
	done
	log "mariadbd did not answer within 60 s; log follows"
	tail -n 40 "$LOG" >&2 || true
	exit 1
}

stop() {
	if running; then
		local pid
		pid="$(cat "$PIDFILE")"
		kill "$pid"
		for _ in $(seq 1 60); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		log "stopped (pid $pid)"
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) if running; then echo running; else echo stopped; exit 1; fi ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
