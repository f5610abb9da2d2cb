#!/usr/bin/env bash
# npm run test:containers: the deployment files run for real, unmodified.
#  1. a Docker daemon of its own (Debian's docker.io), with every folder under a scratch folder
#  2. stand-in base images (no Docker Hub here): Node 24 on a debootstrapped Debian, and
#     Debian's postgresql with the official image's environment contract
#  3. the project's Dockerfile, passing only NODE_IMAGE; then what the image holds
#  4. docker-compose.yml: migrate, the API healthy, 3 workers healthy, a calendar job to SUCCESS
#     through the API, `down -v` leaving nothing behind
#  5. the daemon stopped and its scratch folder deleted, on success and on failure alike
# Each step prints its time. Skipped (exit 0, with the reason) only where dockerd cannot start
# or less than 15 GB is free. TASKOVERFLOW_CONTAINERS_TMP: where the scratch folder goes.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/containers
say() { echo "containers: $*"; }
skipped=
skip() { say "SKIPPED: $*"; skipped=1; exit 0; }

# ---- can it run here? ----
[ "$(id -u)" = 0 ] || skip "dockerd needs root (running as $(id -un))"
for tool in dockerd /usr/bin/docker debootstrap containerd runc; do
  command -v "$tool" >/dev/null || skip "$tool is missing: apt-get install docker.io debootstrap docker-compose (.ci/run does)"
done
if command -v docker-compose >/dev/null; then compose=(docker-compose)
elif /usr/bin/docker compose version >/dev/null 2>&1; then compose=(/usr/bin/docker compose)
else skip "no Compose: apt-get install docker-compose"; fi
# Debian's CLI matches its daemon and builds with BuildKit (a newer CLI elsewhere on PATH may lack buildx).
docker=/usr/bin/docker
export DOCKER_BUILDKIT=1

tmp_parent=${TASKOVERFLOW_CONTAINERS_TMP:-/var/tmp}
free_gb=$(df --output=avail -BG "$tmp_parent" | tail -1 | tr -dc 0-9)
[ "$free_gb" -ge 15 ] || skip "only ${free_gb} GB free in $tmp_parent (15 GB needed: vfs copies every layer)"
scratch=$(mktemp -d "$tmp_parent/taskoverflow-containers.XXXXXX")
export DOCKER_HOST="unix://$scratch/docker.sock"
export COMPOSE_PROJECT_NAME=taskoverflow-containers-test
# Compose v1 gives up on a daemon request after 60 s; creating a container can take longer on a
# busy machine.
export COMPOSE_HTTP_TIMEOUT=300
cache=${XDG_CACHE_HOME:-$HOME/.cache}/taskoverflow-containers

dockerd_pid=
stack_up=
postgres_build=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$stack_up" ]; then
    [ "$rc" = 0 ] || "${compose[@]}" logs --no-color --tail 40
    "${compose[@]}" down -v --timeout 10 >/dev/null 2>&1
  fi
  if [ -n "$dockerd_pid" ]; then
    kill -TERM "$dockerd_pid" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$dockerd_pid" 2>/dev/null
  fi
  # Anything still running from the scratch folder (a shim or containerd of this daemon only).
  for pid in $(pgrep -f -- "$scratch/" || true); do kill -KILL "$pid" 2>/dev/null; done
  findmnt -rn -o TARGET | grep -F "$scratch/" | sort -r | while read -r target; do umount -l "$target"; done
  rm -rf "$scratch"
  say "daemon stopped, $scratch deleted"
  if [ -n "$skipped" ]; then :
  elif [ "$rc" = 0 ]; then say "passed in $(( SECONDS - started )) s"
  else say "FAILED (exit $rc) after $(( SECONDS - started )) s"; fi
}
started=$SECONDS
trap cleanup EXIT

timed() {
  local name=$1 t0; shift
  t0=$(date +%s%N)
  "$@"
  printf 'containers: %-44s %6.1f s\n' "$name" "$(( ($(date +%s%N) - t0) / 1000000 ))e-3"
}

# ---- 1. the daemon ----
# overlay2 where the scratch folder's file system allows it (ext4, xfs); else vfs, which works
# anywhere but copies every layer in full (slower, several GB).
try_daemon() {
  dockerd --data-root "$scratch/root" --exec-root "$scratch/exec" -H "$DOCKER_HOST" \
    --pidfile "$scratch/dockerd.pid" --storage-driver="$1" \
    --iptables=false --ip6tables=false --bridge=none >>"$scratch/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 120); do
    "$docker" version >/dev/null 2>&1 && return 0
    kill -0 "$dockerd_pid" 2>/dev/null || { dockerd_pid=; return 1; }
    sleep 0.5
  done
  kill -TERM "$dockerd_pid"; wait "$dockerd_pid" 2>/dev/null; dockerd_pid=
  return 1
}
start_daemon() {
  try_daemon overlay2 || { rm -rf "$scratch/root" "$scratch/exec"; try_daemon vfs; } || {
    tail -n 20 "$scratch/dockerd.log"
    skip "dockerd could not start (its log is above)"
  }
  say "dockerd $("$docker" version -f '{{.Server.Version}}'), storage driver $("$docker" info -f '{{.Driver}}')"
}

# ---- 2. stand-in base images ----
debian_image=taskoverflow-standin/debian:trixie
node_image=taskoverflow-standin/node:24-trixie-slim
postgres_image=taskoverflow-standin/postgres:17

# debootstrap takes about a minute: its result is cached (and refreshed monthly).
debian_tarball=$cache/debian-trixie-minbase.tar
debian_rootfs() {
  if [ -z "$(find "$debian_tarball" -mtime -30 2>/dev/null)" ]; then
    mkdir -p "$cache"
    debootstrap --variant=minbase trixie "$scratch/rootfs" http://deb.debian.org/debian >"$scratch/debootstrap.log" 2>&1 \
      || { tail -n 20 "$scratch/debootstrap.log"; return 1; }
    tar -C "$scratch/rootfs" -cf "$debian_tarball.partial" . && mv "$debian_tarball.partial" "$debian_tarball"
    rm -rf "$scratch/rootfs"
  fi
  "$docker" import "$debian_tarball" "$debian_image" >/dev/null
}

# The official image's contents, assembled in a folder and imported as one layer: Debian, the
# Node version the Dockerfile pins (the npm registry's binary package for this CPU), npm, and
# user node (uid 1000). Stand-in only: the host's CA bundle, because this machine's registry
# access re-signs TLS and npm inside the build must trust it; the project's image adds none.
stand_in_node() {
  local version arch root=$scratch/stand-in-node
  version=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9.]*\)-.*/\1/p' Dockerfile)
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  mkdir -p "$root" "$scratch/packs"
  (cd "$scratch/packs" && npm pack --silent "node-linux-$arch@${version:-24}" npm@11 >/dev/null)
  tar -xf "$debian_tarball" -C "$root"
  tar -xzf "$scratch/packs"/node-linux-*.tgz -C "$root/usr/local" --strip-components=1 package/bin/node
  mkdir -p "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$scratch/packs"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/stand-in-host-ca.crt"
  tar -C "$root" -c . | "$docker" import \
    --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in-host-ca.crt' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$node_image" >/dev/null
  rm -rf "$root"
  say "stand-in node: $("$docker" run --rm "$node_image" node -p 'process.version + ", npm " + require("/usr/local/lib/node_modules/npm/package.json").version')"
}

# Built alongside the project's image (it waits on the network and dpkg, not the CPU).
stand_in_postgres_start() {
  "$docker" build -q --network host -f "$here/stand-in-postgres.Dockerfile" \
    --build-arg DEBIAN_IMAGE="$debian_image" -t "$postgres_image" "$here" >"$scratch/postgres-build.log" 2>&1 &
  postgres_build=$!
}
stand_in_postgres_wait() {
  wait "$postgres_build" || { tail -n 30 "$scratch/postgres-build.log"; return 1; }
}

# ---- 3. the project's image ----
build_image() {
  "$docker" build --progress=plain --network host --build-arg NODE_IMAGE="$node_image" \
    -t taskoverflow:local . >"$scratch/build.log" 2>&1 || { tail -n 40 "$scratch/build.log"; return 1; }
  say "image taskoverflow:local: $("$docker" image inspect -f '{{.Size}}' taskoverflow:local | awk '{ printf "%d MB", $1 / 1e6 }')"
}

inspect_image() {
  "$docker" run --rm --network none -v "$PWD/$here/inspect-image.mjs:/tmp/inspect-image.mjs:ro" \
    --entrypoint node taskoverflow:local /tmp/inspect-image.mjs
}

# ---- 4. the compose stack ----
api_port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")
export POSTGRES_IMAGE=$postgres_image API_PORT=$api_port

services_status() {
  "$docker" ps -a --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
    --format '{{.Label "com.docker.compose.service"}} {{.Status}}'
}

stack_up() {
  "${compose[@]}" config -q
  stack_up=1
  "${compose[@]}" up -d --no-build --scale worker=3 2>&1 | sed '/^$/d; s/^/  /'
  local status
  for _ in $(seq 240); do
    status=$(services_status)
    if [ "$(grep -c '^api .*(healthy)' <<<"$status")" = 1 ] && [ "$(grep -c '^worker .*(healthy)' <<<"$status")" = 3 ]; then
      grep -q '^migrate Exited (0)' <<<"$status" || { echo "$status"; say "migrate did not exit 0"; return 1; }
      sed 's/^/  /' <<<"$status"
      return 0
    fi
    # A check that fails once (a slow start on a busy machine) may pass the next time: only an
    # exited container ends the wait early.
    grep -q 'Exited ([1-9]\|^\(api\|worker\|db\) Exited' <<<"$status" && break
    sleep 1
  done
  echo "$status"
  say "the stack did not become healthy (migrate exit 0, api healthy, 3 workers healthy)"
  return 1
}

calendar_job() {
  node --experimental-strip-types "$here/calendar-job.ts" "http://127.0.0.1:$api_port/api/v1" | sed 's/^/  /'
}

stack_down() {
  "${compose[@]}" down -v --timeout 30 2>&1 | sed '/^$/d; s/^/  /'
  stack_up=
  local left
  left="$("$docker" ps -aq)$("$docker" volume ls -q)$("$docker" network ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")"
  [ -z "$left" ] || { say "down -v left containers, volumes or networks behind"; return 1; }
}

say "scratch $scratch, $free_gb GB free, $("${compose[@]}" version --short 2>/dev/null || echo compose)"
timed "dockerd started" start_daemon
timed "stand-in Debian (debootstrap or cache)" debian_rootfs
stand_in_postgres_start
timed "stand-in Node image" stand_in_node
timed "project image built (Dockerfile as is)" build_image
timed "stand-in Postgres image (built alongside)" stand_in_postgres_wait
timed "image contents checked" inspect_image
timed "compose up: migrate, api, 3 workers healthy" stack_up
timed "calendar job to SUCCESS through the API" calendar_job
timed "compose down -v, nothing left" stack_down
