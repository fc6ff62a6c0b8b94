# shellcheck shell=bash
# Shared functions of the set-up scripts (quickstart.sh, test.sh, install.sh, engine.sh).
# Source it; it defines functions and variables only and changes no shell option.

CHALK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHALK_JOBS=${CHALK_JOBS:-2}
CHALK_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/chalk
CHALK_BASE_IMAGE=${CHALK_BASE_IMAGE:-chalk-test/busybox:latest}

# What building the project needs.
CHALK_BUILD_PACKAGES=(cmake make g++ pkg-config libarchive-dev libzstd-dev libssl-dev nlohmann-json3-dev
  libcurl4-openssl-dev libcli11-dev libgtest-dev libgmock-dev git ca-certificates)
# ccache: a second build of the same sources (the next test run, another checkout) compiles
# only what changed; clang-format: the format check of scripts/format.sh.
CHALK_BUILD_PACKAGES+=(ccache clang-format)
# zlib: `deployments` reads Cloud Custodian's gzipped S3 output.
CHALK_BUILD_PACKAGES+=(zlib1g-dev)
# zstd: the plugin carries the shim compressed (runtime-shim/CMakeLists.txt).
CHALK_BUILD_PACKAGES+=(zstd)
# What the tests talk to: the engine, the base image, the registry and image tools, and the
# peers of the integration tests (python3 with botocore, node for s3rver, htpasswd).
CHALK_TEST_PACKAGES=(docker.io busybox-static docker-registry skopeo umoci binutils curl
  python3 python3-botocore nodejs npm apache2-utils openssl)
# Headless Chromium renders the `deployments --html` page in its test.
CHALK_TEST_PACKAGES+=(chromium)

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "\`$1\` needs root and sudo is not installed"
  fi
}

# A package counts as present when dpkg has it, or, for the ones a vendor build may replace
# (NodeSource's nodejs ships npm and conflicts with Debian's npm), when its command exists.
package_present() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 && return 0 ;;
    npm) command -v npm >/dev/null 2>&1 && return 0 ;;
  esac
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

chalk_apt_updated=
# ensure_packages PKG...: installs, without asking, the packages that are not installed yet.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    package_present "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ -z "$chalk_apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    chalk_apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" </dev/null >&2 || die "apt-get install failed for: ${missing[*]}"
}

# static_curl_args: prints the cmake argument naming the static libcurl of the runtime shim,
# built (or found in its cache) by scripts/build-static-curl.sh, whose last line is the prefix.
static_curl_args() {
  local script=$CHALK_ROOT/scripts/build-static-curl.sh prefix
  if [ ! -f "$script" ]; then
    warn "scripts/build-static-curl.sh is missing: configuring without a static libcurl"
    return 0
  fi
  prefix=$(bash "$script" | tail -n 1) || die "scripts/build-static-curl.sh failed"
  [ -d "$prefix" ] || die "scripts/build-static-curl.sh printed \`$prefix\`, which is not a directory"
  printf '%s\n' "-DCHALK_STATIC_CURL_DIR=$prefix"
}

# chalk_configure DIR [CMAKE_ARG...]: configures the project in DIR (relative to the repository
# unless absolute) and prints DIR's absolute path.
chalk_configure() {
  local dir=$1
  shift
  case "$dir" in /*) ;; *) dir=$CHALK_ROOT/$dir ;; esac
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then
    # Paths relative to the checkout and no working directory in the hash: clones share hits.
    export CCACHE_BASEDIR=$CHALK_ROOT CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  log "configuring $dir ($*)"
  cmake -S "$CHALK_ROOT" -B "$dir" "${launcher[@]}" "$@" >&2 || die "cmake configure of $dir failed"
  printf '%s\n' "$dir"
}

# chalk_build DIR [CMAKE_ARG...]: configures DIR and builds every target with $CHALK_JOBS jobs.
chalk_build() {
  local dir
  dir=$(chalk_configure "$@")
  log "building $dir with -j$CHALK_JOBS"
  cmake --build "$dir" -j "$CHALK_JOBS" >&2 || die "build of $dir failed"
}

# chalk_build_plugin DIR [CMAKE_ARG...]: configures DIR and builds only what `docker chalk`
# needs: the docker-chalk executable and the static shim it embeds, no test binaries.
chalk_build_plugin() {
  local dir
  dir=$(chalk_configure "$@")
  log "building docker-chalk (with its runtime shim) in $dir with -j$CHALK_JOBS"
  cmake --build "$dir" -j "$CHALK_JOBS" --target docker-chalk >&2 || die "build of docker-chalk in $dir failed"
}

# ensure_s3rver: installs the s3rver S3 fake from npm into $CHALK_CACHE/npm (outside the
# repository, kept between runs), puts its bin on PATH and exports CHALK_S3RVER.
ensure_s3rver() {
  local prefix=$CHALK_CACHE/npm version=3.7.1
  if ! "$prefix/node_modules/.bin/s3rver" --version 2>/dev/null | grep -qxF "$version"; then
    log "installing s3rver@$version with npm into $prefix"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "s3rver@$version" </dev/null >&2 ||
      die "npm install s3rver@$version failed"
    "$prefix/node_modules/.bin/s3rver" --version >/dev/null 2>&1 || die "s3rver installed in $prefix does not run"
  fi
  export PATH=$prefix/node_modules/.bin:$PATH
  export CHALK_S3RVER=$prefix/node_modules/.bin/s3rver
}

# ensure_duckdb: installs DuckDB's Node API (which ships its engine) from npm into
# $CHALK_CACHE/npm, as ensure_s3rver does, and exports CHALK_NPM_MODULES for node scripts.
ensure_duckdb() {
  local prefix=$CHALK_CACHE/npm version=1.5.6-r.1
  if ! node -e "require('$prefix/node_modules/@duckdb/node-api/package.json').version === '$version' || process.exit(1)" \
    2>/dev/null; then
    log "installing @duckdb/node-api@$version with npm into $prefix"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@duckdb/node-api@$version" </dev/null >&2 ||
      die "npm install @duckdb/node-api@$version failed"
  fi
  export CHALK_NPM_MODULES=$prefix/node_modules
}

# ensure_python_module MODULE: makes the first python3 on PATH one that imports MODULE,
# falling back to Debian's /usr/bin/python3 (where python3-* packages install) when another
# python3 (pyenv, a venv) comes first.
ensure_python_module() {
  python3 -c "import $1" 2>/dev/null && return 0
  /usr/bin/python3 -c "import $1" 2>/dev/null || die "no python3 imports \`$1\`"
  mkdir -p "$CHALK_CACHE/bin"
  ln -sfn /usr/bin/python3 "$CHALK_CACHE/bin/python3"
  export PATH=$CHALK_CACHE/bin:$PATH
  log "using /usr/bin/python3 (it has \`$1\`) ahead of $(command -v python3 || echo none)"
}

# engine_answers: true when a Docker engine answers on the current DOCKER_HOST (or default).
engine_answers() {
  timeout 20 docker info >/dev/null 2>&1
}
