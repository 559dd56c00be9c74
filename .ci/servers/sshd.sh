#!/usr/bin/env bash
# OpenSSH sshd on loopback for orgsync's SFTP tests (Apple School Manager
# upload).
# apt: openssh-server openssh-client
#
# usage: .ci/servers/sshd.sh start|stop|status
#   start  idempotent; on first use creates a private host key, a client key
#          pair and a configuration, then runs `sshd -D -f CONF` in the
#          background on 127.0.0.1:${ORGSYNC_SFTP_PORT:-12222} (no systemd),
#          waits until it answers and prints
#            export ORGSYNC_SFTP_ADDR=127.0.0.1:PORT
#            export ORGSYNC_SFTP_USER=root
#            export ORGSYNC_SFTP_KEY=.../client_ed25519       (private key file)
#            export ORGSYNC_SFTP_HOSTKEY=.../known_hosts       (the pinned host key)
#            export ORGSYNC_SFTP_DIR=.../upload               (a writable folder)
#          for `eval "$(.ci/servers/sshd.sh start)"`.
#   stop   stops the server started here (by its pid file).
# State lives in ${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/sshd. The server
# runs as root (privilege separation needs /run/sshd, created here), accepts
# only the generated client key for the user running the script, and only
# listens on loopback. Nothing is installed here: .ci/run installs the
# packages on the apt: line.
set -euo pipefail

DIR="${ORGSYNC_SERVERS_DIR:-/tmp/orgsync-servers}/sshd"
PORT="${ORGSYNC_SFTP_PORT:-12222}"
PIDFILE="$DIR/sshd.pid"
CONF="$DIR/sshd_config"
LOG="$DIR/sshd.log"
USER_NAME="$(id -un)"

log() { echo "sshd.sh: $*" >&2; }

running() {
	[ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

answers() {
	# sshd sends its identification string first; read it without a client.
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; head -c 4 <&3" 2>/dev/null | grep -q '^SSH-'
}

print_env() {
	echo "export ORGSYNC_SFTP_ADDR=127.0.0.1:$PORT"
	echo "export ORGSYNC_SFTP_USER=$USER_NAME"
	echo "export ORGSYNC_SFTP_KEY=$DIR/client_ed25519"
	echo "export ORGSYNC_SFTP_HOSTKEY=$DIR/known_hosts"
	echo "export ORGSYNC_SFTP_DIR=$DIR/upload"
}

setup() {
	mkdir -p "$DIR/upload"
	chmod 700 "$DIR"
	[ -f "$DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C orgsync-test-host -f "$DIR/host_ed25519"
	[ -f "$DIR/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C orgsync-test-client -f "$DIR/client_ed25519"
	cp "$DIR/client_ed25519.pub" "$DIR/authorized_keys"
	chmod 600 "$DIR/authorized_keys"
	echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$DIR/host_ed25519.pub")" >"$DIR/known_hosts"
	local sftp=internal-sftp
	cat >"$CONF" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_ed25519
PidFile $PIDFILE
AuthorizedKeysFile $DIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowUsers $USER_NAME
Subsystem sftp $sftp
LogLevel VERBOSE
CONF
}

start() {
	SSHD="$(command -v sshd || echo /usr/sbin/sshd)"
	[ -x "$SSHD" ] || { log "sshd not found; install: apt-get install -y openssh-server"; exit 1; }
	if running && answers; then
		print_env
		return 0
	fi
	if answers; then
		log "port $PORT already answers, but not from the server in $DIR; stop it or set ORGSYNC_SFTP_PORT"
		exit 1
	fi
	setup
	# Privilege separation directory; Debian's packaging creates it only
	# through systemd/tmpfiles.
	if [ "$(id -u)" = 0 ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd
	fi
	"$SSHD" -t -f "$CONF" || { log "configuration $CONF rejected"; exit 1; }
	log "starting sshd on 127.0.0.1:$PORT"
	nohup "$SSHD" -D -e -f "$CONF" >"$LOG" 2>&1 &
	local pid=$!
	for _ in $(seq 1 60); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "sshd exited during start; log follows"
			tail -n 40 "$LOG" >&2 || true
			exit 1
		fi
		if answers; then
			echo "$pid" >"$PIDFILE"
			print_env
			return 0
		fi
		sleep 0.25
	done
	log "sshd did not answer within 15 s; log follows"
	tail -n 40 "$LOG" >&2 || true
	exit 1
}

stop() {
	if running; then
		local pid
		pid="$(cat "$PIDFILE")"
		kill "$pid"
		for _ in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		rm -f "$PIDFILE"
		log "stopped (pid $pid)"
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) if running; then echo running; else echo stopped; exit 1; fi ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
