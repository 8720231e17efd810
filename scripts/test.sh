#!/usr/bin/env bash
# Runs vidb's whole test suite on a Debian machine with Go, setting up what the tests need first:
# Debian packages (qemu-user to run the arm64 PDQ conformance tests, ffmpeg for video, chromium
# for the web UI tests), staticcheck, and PostgreSQL (started, or installed if absent). Then: go
# vet, staticcheck, gofmt, the PDQ bit-exactness tests again with GOAMD64=v3, in pure Go (-tags
# purego) and on arm64 (fused multiply-add must not creep in), and the tests with the race
# detector. With CI=true, a skipped test fails the run: in CI every test must run.
#
# Usage: scripts/test.sh            (from anywhere in the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."

staticcheck_version=v0.8.2
apt_packages=(qemu-user ffmpeg chromium)

log() { printf '\n== %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
	local missing=()
	for p in "${apt_packages[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing Debian packages: ${missing[*]}"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

install_staticcheck() {
	local bin
	bin="$(go env GOPATH)/bin/staticcheck"
	if ! "$bin" -version 2>/dev/null | grep -q "${staticcheck_version#v}"; then
		log "installing staticcheck $staticcheck_version"
		go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
	fi
	staticcheck="$bin"
}

# The PostgreSQL store's tests run against the real server. Machines of this project run one on
# 127.0.0.1:5432 with trust authentication; start it if it is down. VIDB_TEST_POSTGRES points the
# tests at another server.
start_postgres() {
	if [ -n "${VIDB_TEST_POSTGRES:-}" ]; then
		return
	fi
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
		return
	fi
	if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
		log "starting PostgreSQL"
		as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
	else
		# A fresh machine: install the server, and give the tests a database and a password of
		# their own rather than loosening the server's authentication.
		log "installing PostgreSQL"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends postgresql >/dev/null
		as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
		sleep 2
		as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'vidb-test'\"" >/dev/null
		as_root su postgres -c "createdb test" 2>/dev/null || true
		export VIDB_TEST_POSTGRES="postgres://postgres:vidb-test@127.0.0.1:5432/test?sslmode=disable"
	fi
	for _ in $(seq 1 30); do
		pg_isready -q -h 127.0.0.1 -p 5432 && return
		sleep 1
	done
	echo "PostgreSQL did not come up on 127.0.0.1:5432"; exit 1
}

install_packages
install_staticcheck
start_postgres

log "go vet"
go vet ./...
go vet -tags purego ./pdq/ # the pure-Go build of the package with assembly
GOARCH=arm64 go vet ./pdq/

log "staticcheck"
"$staticcheck" ./...

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "PDQ conformance with GOAMD64=v3 (FMA available to the compiler)"
GOAMD64=v3 go test -count=1 ./pdq/

log "PDQ conformance in pure Go on amd64 (the purego tag turns the AVX2 kernels off)"
go test -tags purego -count=1 ./pdq/

log "PDQ conformance on arm64 (under qemu-user)"
GOARCH=arm64 go test -c -o "$work/pdq.arm64" ./pdq/
(cd pdq && qemu-aarch64 "$work/pdq.arm64" -test.count=1 >"$work/arm64.log" 2>&1) || { cat "$work/arm64.log"; exit 1; }
tail -n 1 "$work/arm64.log"

log "video exactness, every frame (too slow under -race, which checks the first 40 frames)"
go test -count=1 ./internal/video/

log "go test -race ./..."
status=0
go test -race -count=1 -v -timeout 15m ./... >"$work/test.log" 2>&1 || status=$?
# Package results, without the per-test chatter of -v (failures are printed in full below).
grep -E '^(ok|FAIL|\?|--- FAIL|panic:)' "$work/test.log" || true
if [ "$status" -ne 0 ]; then
	log "failures in full"
	grep -v -E '^(=== (RUN|PAUSE|CONT)|\s*--- PASS)' "$work/test.log"
fi

passed=$(grep -cE '^\s*--- PASS' "$work/test.log" || true)
failed=$(grep -cE '^\s*--- FAIL' "$work/test.log" || true)
skipped=$(grep -cE '^\s*--- SKIP' "$work/test.log" || true)
if [ "$skipped" -gt 0 ]; then
	log "skipped tests"
	grep -A2 -E '^\s*--- SKIP' "$work/test.log"
	if [ "${CI:-}" = "true" ]; then
		echo "CI=true: skipped tests are failures here"
		status=1
	fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
