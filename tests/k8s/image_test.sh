#!/usr/bin/env bash
# k8s_image: checks the Dockerfile statically against reality, without a
# container engine (there is none on the build machines or in CI).
#
#   bash tests/k8s/image_test.sh <scout-agent> <scout-collector> <sctl>
#   DOCKERFILE=/path/to/other/Dockerfile bash tests/k8s/image_test.sh ...
#
# What it checks:
#   - every FROM is pinned (point-release tag or @sha256 digest; no :latest,
#     no untagged or floating tag); `build` and `runtime` use the same base,
#     whose Debian major release is this host's (the library mapping below
#     is only meaningful then);
#   - the runtime stage installs with --no-install-recommends, cleans
#     /var/lib/apt/lists, installs no -dev package or build tool, and sets a
#     numeric non-root USER that the final targets keep;
#   - targets `agent` and `collector` exist, copy scout-agent resp.
#     scout-collector + sctl from the build stage, have the right ENTRYPOINT,
#     OCI labels, and (collector) EXPOSE 7070 and VOLUME /var/lib/scout;
#   - ARG SCOUT_VERSION equals project(scout VERSION ...) in CMakeLists.txt
#     and the binaries' --version;
#   - every shared library ldd resolves for a binary belongs (dpkg -S) to a
#     package that the binary's target installs, or that is in the dependency
#     closure of those (apt-cache depends --recurse), or that debian:*-slim
#     already has (Essential / Priority: required, and their dependencies);
#     and the runtime stage installs nothing no binary needs (apart from
#     ca-certificates and tzdata, which are data, not libraries);
#   - self-test: a copy of the Dockerfile without libsqlite3-0 must fail.
# Exits non-zero naming every failed check.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 <scout-agent> <scout-collector> <sctl>" >&2
  exit 2
fi
BIN_AGENT=$1 BIN_COLLECTOR=$2 BIN_SCTL=$3

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOCKERFILE=${DOCKERFILE:-$SRC_DIR/Dockerfile}
CMAKELISTS=$SRC_DIR/CMakeLists.txt
# Packages the runtime may install that no binary links: data, not libraries.
DATA_PACKAGES=(ca-certificates tzdata)
# Never in the runtime stage (besides anything matching *-dev / *-dbg).
BUILD_TOOLS=(build-essential gcc g++ cpp c++ clang make cmake ninja-build ccache
             pkg-config pkgconf binutils protobuf-compiler protobuf-compiler-grpc
             libtool autoconf automake git)
APT_DEPENDS_OPTS=(--recurse --no-recommends --no-suggests --no-conflicts
                  --no-breaks --no-replaces --no-enhances)

failures=()
ok()      { echo "  ok    $*"; }
fail()    { echo "  FAIL  $*"; failures+=("$*"); }
section() { echo; echo "== $*"; }
die()     { echo "image_test: $*" >&2; exit 1; }

for tool in ldd dpkg dpkg-query apt-cache awk sed realpath; do
  command -v "$tool" >/dev/null || die "needs '$tool' (run on Debian 12 with apt/dpkg)"
done
[ -r "$DOCKERFILE" ] || die "no Dockerfile at $DOCKERFILE"
for b in "$BIN_AGENT" "$BIN_COLLECTOR" "$BIN_SCTL"; do
  [ -x "$b" ] || die "not an executable: $b"
done

echo "image_test: checking $DOCKERFILE"

# --------------------------------------------------------------------------
# Parse the Dockerfile into logical instructions (comments dropped, line
# continuations joined), one per line: "<stage index>\t<KEYWORD>\t<args>".
# Stage -1 holds the global ARGs before the first FROM.
parsed=$(awk '
  BEGIN { stage = -1; cont = 0; buf = "" }
  /^[[:space:]]*#/ { next }
  {
    line = $0
    if (cont && line ~ /^[[:space:]]*$/) next
    buf = cont ? buf " " line : line
    if (buf ~ /\\[[:space:]]*$/) { sub(/\\[[:space:]]*$/, "", buf); cont = 1; next }
    cont = 0
    if (buf ~ /^[[:space:]]*$/) { buf = ""; next }
    sub(/^[[:space:]]+/, "", buf)
    kw = toupper(buf); sub(/[[:space:]].*$/, "", kw)
    args = buf; sub(/^[^[:space:]]+[[:space:]]*/, "", args)
    gsub(/[[:space:]]+/, " ", args)
    if (kw == "FROM") stage++
    printf "%d\t%s\t%s\n", stage, kw, args
    buf = ""
  }' "$DOCKERFILE")

declare -A GARG=()            # global ARG defaults
STAGE_NAME=() STAGE_IMAGE=() STAGE_PARENT=()
INS_STAGE=() INS_KW=() INS_ARGS=()
while IFS=$'\t' read -r st kw args; do
  INS_STAGE+=("$st"); INS_KW+=("$kw"); INS_ARGS+=("$args")
  if [ "$st" -lt 0 ] && [ "$kw" = ARG ]; then
    name=${args%%=*}; val=""
    [[ $args == *=* ]] && val=${args#*=}
    val=${val#\"}; val=${val%\"}
    GARG[$name]=$val
  fi
  if [ "$kw" = FROM ]; then
    read -r -a w <<<"$args"
    i=0
    while [ $i -lt ${#w[@]} ] && [[ ${w[$i]} == --* ]]; do i=$((i + 1)); done
    image=${w[$i]:-}
    for k in "${!GARG[@]}"; do image=${image//"\${$k}"/${GARG[$k]}}; image=${image//"\$$k"/${GARG[$k]}}; done
    name=""
    if [ $((i + 2)) -lt $((${#w[@]} + 1)) ] && [ "${w[$((i + 1))],,}" = as ]; then name=${w[$((i + 2))],,}; fi
    parent=-1
    for ((s = 0; s < ${#STAGE_NAME[@]}; s++)); do
      [ -n "${STAGE_NAME[$s]}" ] && [ "${STAGE_NAME[$s]}" = "${image,,}" ] && parent=$s
    done
    STAGE_NAME+=("$name"); STAGE_IMAGE+=("$image"); STAGE_PARENT+=("$parent")
  fi
done <<<"$parsed"

stage_index() {  # name -> index, or -1
  local s
  for ((s = 0; s < ${#STAGE_NAME[@]}; s++)); do
    [ "${STAGE_NAME[$s]}" = "$1" ] && { echo "$s"; return; }
  done
  echo -1
}
stage_chain() {  # index -> indices root..index (stages it is built FROM)
  local s=$1 chain=()
  while [ "$s" -ge 0 ]; do chain=("$s" "${chain[@]}"); s=${STAGE_PARENT[$s]}; done
  echo "${chain[@]}"
}
root_image() {   # index -> the external image at the root of its chain
  local s=$1
  while [ "${STAGE_PARENT[$s]}" -ge 0 ]; do s=${STAGE_PARENT[$s]}; done
  echo "${STAGE_IMAGE[$s]}"
}
instrs() {       # chain indices + keyword -> args of matching instructions, in order
  local kw=$1; shift
  local i s
  for s in "$@"; do
    for ((i = 0; i < ${#INS_KW[@]}; i++)); do
      [ "${INS_STAGE[$i]}" = "$s" ] && [ "${INS_KW[$i]}" = "$kw" ] && printf '%s\n' "${INS_ARGS[$i]}"
    done
  done
  return 0
}
# Package names from the apt-get/apt install commands of RUN arguments (stdin).
apt_install_packages() {
  sed -E 's/(&&|\|\||;|\|)/\n/g' | awk '
    { apt = 0; inst = 0
      for (i = 1; i <= NF; i++) {
        if (inst) { if ($i !~ /^-/ && $i ~ /^[a-z0-9]/) { p = $i; sub(/[=\/].*$/, "", p); sub(/:.*$/, "", p); print p } }
        else if ($i ~ /^apt(-get)?$/) apt = 1
        else if (apt && $i == "install") inst = 1
      } }'
}
# apt install segments of RUN arguments (stdin), one per line.
apt_install_segments() {
  sed -E 's/(&&|\|\||;|\|)/\n/g' | grep -E '(^|[[:space:]])apt(-get)?[[:space:]](.*[[:space:]])?install([[:space:]]|$)' || true
}

in_list() { local x=$1; shift; local y; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }

# --------------------------------------------------------------------------
section "base images"
[ ${#STAGE_NAME[@]} -gt 0 ] || fail "no FROM instruction"
for ((s = 0; s < ${#STAGE_NAME[@]}; s++)); do
  img=${STAGE_IMAGE[$s]} label="FROM $img${STAGE_NAME[$s]:+ AS ${STAGE_NAME[$s]}}"
  if [ "${STAGE_PARENT[$s]}" -ge 0 ]; then ok "$label (earlier stage)"; continue; fi
  if [[ $img == *'$'* ]]; then fail "$label: unresolved variable"; continue; fi
  if [[ $img =~ @sha256:[0-9a-f]{64}$ ]]; then ok "$label (digest)"; continue; fi
  ref=${img##*/}   # strip registry/namespace (a registry port has a ':' too)
  if [[ $ref != *:* ]]; then fail "$label: untagged (means :latest); pin a point release or a digest"; continue; fi
  tag=${ref#*:}
  if [ "$tag" = latest ]; then fail "$label: ':latest' is not pinned"; continue; fi
  if [[ $tag =~ ^v?[0-9]+\.[0-9]+ ]]; then ok "$label (point-release tag)"
  else fail "$label: tag '$tag' floats (not a point release like 12.15-slim, no @sha256 digest)"; fi
done

BUILD=$(stage_index build) RUNTIME=$(stage_index runtime)
COLLECTOR=$(stage_index collector)
[ "$BUILD" -ge 0 ]   || fail "no stage 'AS build'"
[ "$RUNTIME" -ge 0 ] || fail "no stage 'AS runtime'"
if [ "$BUILD" -ge 0 ] && [ "$RUNTIME" -ge 0 ]; then
  bimg=$(root_image "$BUILD") rimg=$(root_image "$RUNTIME")
  if [ "$bimg" = "$rimg" ]; then ok "build and runtime share the base $rimg"
  else fail "build uses $bimg but runtime uses $rimg: the binaries must run on the libraries they were linked against"; fi
  host_major=$(cut -d. -f1 /etc/debian_version 2>/dev/null || true)
  ref=${rimg##*/}; tag=${ref#*:}; tag=${tag%@*}
  if [[ ${ref%%[:@]*} == debian && $tag =~ ^([0-9]+)[.-] ]]; then
    if [ "${BASH_REMATCH[1]}" = "$host_major" ]; then
      ok "runtime base is Debian ${BASH_REMATCH[1]}, as this host ($(cat /etc/debian_version)): package mapping applies"
    else
      fail "runtime base is Debian ${BASH_REMATCH[1]} but this host is Debian '${host_major:-?}': run this check on the image's release"
    fi
  else
    echo "  note  cannot tell the Debian release of '$rimg'; assuming it is this host's (${host_major:-?})"
  fi
fi

# --------------------------------------------------------------------------
section "runtime stage"
RUNTIME_PKGS=()
if [ "$RUNTIME" -ge 0 ]; then
  read -r -a rchain <<<"$(stage_chain "$RUNTIME")"
  runs=$(instrs RUN "${rchain[@]}")
  mapfile -t RUNTIME_PKGS < <(apt_install_packages <<<"$runs")
  if [ ${#RUNTIME_PKGS[@]} -eq 0 ]; then fail "runtime stage installs no packages (apt-get install)"
  else ok "installs ${#RUNTIME_PKGS[@]} packages: ${RUNTIME_PKGS[*]}"; fi
  mapfile -t segs < <(apt_install_segments <<<"$runs")
  for seg in "${segs[@]}"; do
    if [[ $seg == *--no-install-recommends* ]]; then ok "apt install uses --no-install-recommends"
    else fail "apt install without --no-install-recommends: $(sed -E 's/^ +//' <<<"$seg" | cut -c1-100)..."; fi
  done
  if grep -q 'rm -rf /var/lib/apt/lists' <<<"$runs"; then ok "removes /var/lib/apt/lists"
  else fail "runtime stage does not 'rm -rf /var/lib/apt/lists/*' after installing"; fi
  bad=()
  for p in "${RUNTIME_PKGS[@]}"; do
    if [[ $p == *-dev || $p == *-dbg ]] || in_list "$p" "${BUILD_TOOLS[@]}" || [[ $p =~ ^(gcc|g\+\+|cpp|clang)-[0-9]+$ ]]; then bad+=("$p"); fi
  done
  if [ ${#bad[@]} -eq 0 ]; then ok "no -dev packages or build tools"
  else fail "runtime stage installs build-only packages: ${bad[*]}"; fi
  users=$(instrs USER "$RUNTIME")
  ruser=$(tail -n1 <<<"$users")
  if [ -z "$ruser" ]; then fail "runtime stage sets no USER"
  elif [[ $ruser =~ ^([0-9]+)(:[0-9]+)?$ ]] && [ "${BASH_REMATCH[1]}" -ne 0 ]; then ok "USER $ruser (numeric, non-root)"
  else fail "runtime USER '$ruser' must be a numeric non-root uid (runAsNonRoot needs a number)"; fi
fi

# --------------------------------------------------------------------------
project_version=$(sed -nE 's/^[[:space:]]*project\([[:space:]]*scout[[:space:]]+VERSION[[:space:]]+([0-9][0-9.]*).*/\1/p' "$CMAKELISTS" | head -n1)
section "version (CMakeLists.txt: ${project_version:-?})"
[ -n "$project_version" ] || fail "no 'project(scout VERSION x.y.z' in $CMAKELISTS"
vargs=$(instrs ARG -1 $(seq 0 $((${#STAGE_NAME[@]} - 1))) | grep -E '^SCOUT_VERSION=' || true)
if [ -z "$vargs" ]; then fail "no 'ARG SCOUT_VERSION=<default>'"; fi
while read -r v; do
  [ -n "$v" ] || continue
  v=${v#SCOUT_VERSION=}; v=${v#\"}; v=${v%\"}
  if [ "$v" = "$project_version" ]; then ok "ARG SCOUT_VERSION=$v"
  else fail "ARG SCOUT_VERSION=$v but CMakeLists.txt says $project_version"; fi
done <<<"$vargs"
# A stage that uses ${SCOUT_VERSION} must declare the ARG itself (a global
# ARG is not visible inside stages), or the label is empty.
for ((s = 0; s < ${#STAGE_NAME[@]}; s++)); do
  for ((i = 0; i < ${#INS_KW[@]}; i++)); do
    [ "${INS_STAGE[$i]}" = "$s" ] || continue
    [ "${INS_KW[$i]}" = ARG ] && [[ ${INS_ARGS[$i]} =~ ^SCOUT_VERSION(=|$) ]] && break
    # shellcheck disable=SC2016 # literal '$SCOUT_VERSION' in the Dockerfile text
    if [ "${INS_KW[$i]}" != ARG ] && [[ ${INS_ARGS[$i]} == *'$SCOUT_VERSION'* || ${INS_ARGS[$i]} == *'${SCOUT_VERSION}'* ]]; then
      fail "stage ${STAGE_NAME[$s]:-#$s} uses SCOUT_VERSION before 'ARG SCOUT_VERSION' in that stage (would be empty)"
      break
    fi
  done
done
for b in "$BIN_AGENT" "$BIN_COLLECTOR" "$BIN_SCTL"; do
  out=$("$b" --version 2>&1 || true)
  if [[ " $out " == *" $project_version "* || $out == *" $project_version" ]]; then ok "$(basename "$b") --version: $out"
  else fail "$(basename "$b") --version printed '$out', not $project_version"; fi
done

# --------------------------------------------------------------------------
# Checks one final target: name, expected binaries (first = ENTRYPOINT).
# shellcheck disable=SC2034 # read through ${!listvar} in check_binary
TARGET_PKGS_agent="" TARGET_PKGS_collector=""
check_target() {
  local target=$1; shift
  local bins=("$@") idx chain copies entry b dest src labels lbl p
  section "target $target"
  idx=$(stage_index "$target")
  if [ "$idx" -lt 0 ]; then fail "no stage 'AS $target'"; return; fi
  read -r -a chain <<<"$(stage_chain "$idx")"
  if [ "$RUNTIME" -ge 0 ] && in_list "$RUNTIME" "${chain[@]}"; then ok "FROM runtime"
  else fail "$target is not built FROM the runtime stage"; fi
  # COPY --from=build <srcs...> <dest>
  copies=$(instrs COPY "$idx")
  declare -A dst_of=()
  while read -r line; do
    [ -n "$line" ] || continue
    read -r -a w <<<"$line"
    local from="" rest=()
    for x in "${w[@]}"; do
      case $x in --from=*) from=${x#--from=} ;; --*) ;; *) rest+=("$x") ;; esac
    done
    [ ${#rest[@]} -ge 2 ] || continue
    dest=${rest[-1]}
    for src in "${rest[@]:0:${#rest[@]}-1}"; do
      if [ "${from,,}" = build ] || { [[ $from =~ ^[0-9]+$ ]] && [ "$from" = "$BUILD" ]; }; then
        if [[ $dest == */ ]]; then dst_of[$(basename "$src")]=$dest$(basename "$src")
        else dst_of[$(basename "$src")]=$dest; fi
      fi
    done
  done <<<"$copies"
  for b in "${bins[@]}"; do
    if [ -n "${dst_of[$b]:-}" ]; then ok "COPY --from=build $b -> ${dst_of[$b]}"
    else fail "$target does not COPY $b from the build stage"; fi
  done
  entry=$(instrs ENTRYPOINT "${chain[@]}" | tail -n1)
  if [ -n "${dst_of[${bins[0]}]:-}" ] && [[ $entry =~ ^\[[[:space:]]*\"${dst_of[${bins[0]}]//\//\\/}\" ]]; then ok "ENTRYPOINT $entry"
  else fail "$target ENTRYPOINT '$entry' is not the exec form of ${dst_of[${bins[0]}]:-${bins[0]}}"; fi
  local user
  user=$(instrs USER "${chain[@]}" | tail -n1)
  if [[ $user =~ ^([0-9]+)(:[0-9]+)?$ ]] && [ "${BASH_REMATCH[1]}" -ne 0 ]; then ok "runs as USER $user"
  else fail "$target runs as USER '${user:-root}', not a numeric non-root uid"; fi
  labels=$(instrs LABEL "${chain[@]}")
  for lbl in title version source; do
    if grep -q "org.opencontainers.image.$lbl=" <<<"$labels"; then ok "LABEL org.opencontainers.image.$lbl"
    else fail "$target lacks LABEL org.opencontainers.image.$lbl"; fi
  done
  if ! instrs LABEL "$idx" | grep -q "org.opencontainers.image.title=\"\?${bins[0]}\"\?\( \|$\)"; then
    fail "$target: LABEL org.opencontainers.image.title should be ${bins[0]} in the target itself"
  fi
  # Packages the target's image installs: runtime chain + the target's own.
  local runs pk=()
  runs=$(instrs RUN "${chain[@]}")
  mapfile -t pk < <(apt_install_packages <<<"$runs")
  printf -v "TARGET_PKGS_$target" '%s' "${pk[*]}"
  for p in "${pk[@]}"; do
    if ! in_list "$p" "${RUNTIME_PKGS[@]}"; then
      if [[ $p == *-dev ]] || in_list "$p" "${BUILD_TOOLS[@]}"; then fail "$target installs build-only package $p"; fi
    fi
  done
}
check_target agent scout-agent
check_target collector scout-collector sctl
if [ "$COLLECTOR" -ge 0 ]; then
  read -r -a cchain <<<"$(stage_chain "$COLLECTOR")"
  if instrs EXPOSE "${cchain[@]}" | grep -qw 7070; then ok "EXPOSE 7070"; else fail "collector does not EXPOSE 7070"; fi
  if instrs VOLUME "${cchain[@]}" | grep -q '/var/lib/scout'; then ok "VOLUME /var/lib/scout"; else fail "collector has no VOLUME /var/lib/scout"; fi
  uid=$(instrs USER "${cchain[@]}" | tail -n1); uid=${uid%%:*}
  if instrs RUN "${cchain[@]}" | grep '/var/lib/scout' | grep -qE "(-o|chown)[[:space:]]+${uid:-x}\b"; then
    ok "/var/lib/scout created owned by uid $uid"
  else fail "no RUN creates /var/lib/scout owned by the runtime uid '${uid:-?}' (install -d -o UID or chown UID)"; fi
fi

# --------------------------------------------------------------------------
section "shared libraries -> Debian packages"
# Base: what debian:*-slim has without installing anything (Essential: yes,
# Priority: required, and their dependencies). Libraries are Priority:
# optional since Debian 9, so libc6 etc. come in as dependencies.
mapfile -t base_roots < <(dpkg-query -W -f='${Package}\t${Essential}\t${Priority}\n' | awk -F'\t' '$2 == "yes" || $3 == "required" { print $1 }')
closure() {  # packages... -> their Depends/PreDepends closure (real packages), one a line
  [ $# -gt 0 ] || return 0
  apt-cache depends "${APT_DEPENDS_OPTS[@]}" "$@" 2>/dev/null \
    | awk '/^[^ <]/ { sub(/:.*$/, "", $1); print $1 }' | sort -u
}
declare -A BASE_ROOT=() BASE=()
for p in "${base_roots[@]}"; do BASE_ROOT[$p]=1; done
while read -r p; do [ -n "$p" ] && BASE[$p]=1; done < <(closure "${base_roots[@]}")
echo "  debian slim base: ${#BASE_ROOT[@]} essential/required packages, ${#BASE[@]} with dependencies"

# ldd every binary; collect resolved library paths.
declare -A LIBS_OF=() ALL_LIBS=()
for b in "$BIN_AGENT" "$BIN_COLLECTOR" "$BIN_SCTL"; do
  name=$(basename "$b")
  out=$(ldd "$b" 2>&1) || { fail "ldd $b failed: $out"; continue; }
  libs=()
  while read -r line; do
    if [[ $line =~ ^([^[:space:]]+)[[:space:]]+=\>[[:space:]]+not[[:space:]]found ]]; then
      fail "$name: ${BASH_REMATCH[1]} not found on this host"
    elif [[ $line =~ =\>[[:space:]]+(/[^[:space:]]+) ]] || [[ $line =~ ^(/[^[:space:]]+)[[:space:]]+\( ]]; then
      libs+=("${BASH_REMATCH[1]}"); ALL_LIBS[${BASH_REMATCH[1]}]=1
    fi
  done <<<"$out"
  LIBS_OF[$name]="${libs[*]}"
done

# Owners: dpkg -S once over every path variant (merged /usr: a library ldd
# finds under /lib may be registered under /usr/lib, or the other way round).
declare -A CANDS=() OWNER=()
allc=()
for l in "${!ALL_LIBS[@]}"; do
  c=()
  for x in "$l" "$(realpath -e "$l" 2>/dev/null || echo "$l")"; do
    c+=("$x")
    if [[ $x == /usr/* ]]; then c+=("${x#/usr}"); else c+=("/usr$x"); fi
  done
  CANDS[$l]="${c[*]}"; allc+=("${c[@]}")
done
while IFS= read -r line; do
  [[ $line == diversion* ]] && continue
  [[ $line =~ ^([^:][^/]*):[[:space:]](/.*)$ ]] || continue
  owner=${BASH_REMATCH[1]%%,*}; owner=${owner%%:*}
  OWNER[${BASH_REMATCH[2]}]=$owner
done < <(dpkg -S "${allc[@]}" 2>/dev/null || true)

declare -A NEEDED_ALL=() CLOSURE_CACHE=()
check_binary() {  # binary name, target name
  local name=$1 target=$2 listvar="TARGET_PKGS_$2"
  if [ "$(stage_index "$target")" -lt 0 ]; then
    fail "$name: not checked, there is no '$target' target"; return
  fi
  local -a listed
  read -r -a listed <<<"${!listvar}"
  local key="pkgs:${listed[*]}"
  if [ -z "${CLOSURE_CACHE[$key]+x}" ]; then CLOSURE_CACHE[$key]=" $(closure "${listed[@]}" | tr '\n' ' ') "; fi
  local clo=${CLOSURE_CACHE[$key]} l c pkg how missing=0 n=0
  local -A by_how=()
  for l in ${LIBS_OF[$name]:-}; do
    pkg=""
    for c in ${CANDS[$l]}; do [ -n "${OWNER[$c]:-}" ] && { pkg=${OWNER[$c]}; break; }; done
    if [ -z "$pkg" ]; then fail "$name: $l belongs to no Debian package (locally built? not in the image)"; missing=$((missing + 1)); continue; fi
    NEEDED_ALL[$pkg]=1; n=$((n + 1))
    if in_list "$pkg" "${listed[@]}"; then how=listed
    elif [[ $clo == *" $pkg "* ]]; then how="dependency of the listed packages"
    elif [ -n "${BASE_ROOT[$pkg]:-}" ]; then how="essential/required (in debian slim)"
    elif [ -n "${BASE[$pkg]:-}" ]; then how="in debian slim (dependency of essential/required)"
    else
      fail "$name needs $(basename "$l") from package '$pkg', which the $target image does not install"
      missing=$((missing + 1)); continue
    fi
    [[ " ${by_how[$how]:-} " == *" $pkg "* ]] || by_how[$how]+="${by_how[$how]:+ }$pkg"
  done
  if [ "$missing" -eq 0 ]; then ok "$name: all $n libraries come from packages the $target image has"; fi
  for how in listed "dependency of the listed packages" "essential/required (in debian slim)" "in debian slim (dependency of essential/required)"; do
    [ -z "${by_how[$how]:-}" ] || echo "        $how: ${by_how[$how]}"
  done
}
check_binary "$(basename "$BIN_AGENT")" agent
check_binary "$(basename "$BIN_COLLECTOR")" collector
check_binary "$(basename "$BIN_SCTL")" collector

extra=()
for p in "${RUNTIME_PKGS[@]}"; do
  [ -n "${NEEDED_ALL[$p]:-}" ] || in_list "$p" "${DATA_PACKAGES[@]}" || extra+=("$p")
done
if [ ${#extra[@]} -eq 0 ]; then ok "runtime installs nothing the binaries do not link (besides ${DATA_PACKAGES[*]})"
else fail "runtime installs packages no binary links: ${extra[*]} (remove them, or add to DATA_PACKAGES with a reason)"; fi

# --------------------------------------------------------------------------
# Self-test (only for the real Dockerfile): the library check must be able
# to fail. A copy without libsqlite3-0 (scout-collector links libsqlite3.so.0)
# must be rejected, naming the package.
if [ ${#failures[@]} -eq 0 ] && [ "${SCOUT_IMAGE_TEST_NESTED:-0}" != 1 ]; then
  section "self-test: the check fails without libsqlite3-0"
  broken=$(mktemp "${TMPDIR:-/tmp}/scout-image-test.XXXXXX")
  trap 'rm -f "$broken"' EXIT
  sed -E 's/([[:space:]])libsqlite3-0([[:space:]]|$)/\1\2/' "$DOCKERFILE" >"$broken"
  if cmp -s "$broken" "$DOCKERFILE"; then
    fail "self-test: no 'libsqlite3-0' in the Dockerfile to remove"
  else
    set +e
    selfout=$(SCOUT_IMAGE_TEST_NESTED=1 DOCKERFILE=$broken bash "${BASH_SOURCE[0]}" "$BIN_AGENT" "$BIN_COLLECTOR" "$BIN_SCTL" 2>&1)
    rc=$?
    set -e
    if [ $rc -ne 0 ] && grep -q "needs libsqlite3.so.0 from package 'libsqlite3-0'" <<<"$selfout"; then
      ok "rejected (exit $rc): $(grep -m1 "libsqlite3-0" <<<"$selfout" | sed 's/^ *FAIL *//')"
    else
      fail "self-test: a Dockerfile without libsqlite3-0 was not rejected (exit $rc)"
      printf '%s\n' "$selfout" | sed 's/^/    | /'
    fi
  fi
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "image_test: ${#failures[@]} check(s) FAILED for $DOCKERFILE:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "image_test: all checks passed for $DOCKERFILE"
