#!/usr/bin/env bash
# deps.sh — make sure the tools and libraries pel's build, tests and benchmarks need are
# installed (Debian/Ubuntu package names).
#
#   scripts/deps.sh          install what is missing when run as root (apt-get); otherwise
#                            print the exact command to run and fail
#   scripts/deps.sh --check  only report; exit 1 if something is missing
set -euo pipefail

CMAKE_MIN=3.25

# package:command — a package counts as present when dpkg says it is installed, or, for
# a tool, when its command is on PATH (installed some other way).
REQUIRED=(
  cmake:cmake gcc:gcc g++:g++ clang:clang make:make pkg-config:pkg-config
  libomp-dev: libtbb-dev: libhwloc-dev:
  libopenblas-dev: liblapacke-dev: libstarpu-dev: # examples/cholesky; bench baselines
  libdw-dev: # task names in traces (symbol tables)
  libjansson-dev: graphviz:dot # tools/pel: reading traces, drawing task graphs
  librsvg2-bin:rsvg-convert libpng-dev: # tools/pel tests: rendering checks
  libyaml-dev: libxxhash-dev: # pel run: workflow files, fingerprints and the journal
  ninja-build:ninja parallel:parallel # pel run benchmarks: the baselines
)
OPTIONAL=()

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

have_dpkg=0
command -v dpkg-query >/dev/null 2>&1 && have_dpkg=1

pkg_installed() {
  [[ $have_dpkg == 1 ]] &&
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

present() { # package:command
  local pkg=${1%%:*} cmd=${1#*:}
  if [[ -n $cmd ]] && command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  pkg_installed "$pkg"
}

missing=()
for entry in "${REQUIRED[@]}"; do
  present "$entry" || missing+=("${entry%%:*}")
done

# cmake must also be recent enough.
cmake_old=""
if command -v cmake >/dev/null 2>&1; then
  v=$(cmake --version | sed -n '1s/[^0-9]*\([0-9][0-9.]*\).*/\1/p')
  if [[ $(printf '%s\n%s\n' "$CMAKE_MIN" "$v" | sort -V | head -1) != "$CMAKE_MIN" ]]; then
    cmake_old=$v
  fi
fi

for entry in "${OPTIONAL[@]}"; do
  present "$entry" || echo "deps: optional ${entry%%:*} not installed (builds use make instead)"
done

if [[ ${#missing[@]} -eq 0 && -z $cmake_old ]]; then
  echo "deps: all required packages present"
  exit 0
fi

if [[ -n $cmake_old ]]; then
  echo "deps: cmake $cmake_old is too old, pel needs cmake >= $CMAKE_MIN" >&2
  echo "deps: install a newer one (Debian 12 ships 3.25; older releases: backports or pip)" >&2
  [[ ${#missing[@]} -eq 0 ]] && exit 1
fi

install_line="apt-get install -y ${missing[*]}"
echo "deps: missing: ${missing[*]}"
if [[ $check_only == 1 ]]; then
  echo "deps: to install them: sudo $install_line"
  exit 1
fi
if [[ $have_dpkg == 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: this is not a Debian-like system; install the equivalents of: ${missing[*]}" >&2
  exit 1
fi
if [[ $(id -u) != 0 ]]; then
  echo "deps: not running as root; run this, then try again:" >&2
  echo "    sudo $install_line" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive $install_line
[[ -z $cmake_old ]]
