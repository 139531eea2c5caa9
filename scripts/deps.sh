#!/usr/bin/env bash
# scripts/deps.sh - make sure the Debian packages a make target needs are
# installed.
#
#   scripts/deps.sh [bench|test|format]     (default: bench)
#
#   bench   cmake gcc make: build ampkit and run `make bench`
#   test    bench's, plus cmocka (unit tests), the Cortex-M4 cross compiler
#           and newlib (freestanding core build, size budget, the qemu-m4
#           firmware), QEMU for Arm (the qemu-m4 tests), clang and its
#           sanitizer runtime (the ASan/UBSan tree is built with clang)
#   format  clang-format
#
# Installed state is read with dpkg-query only, so when everything is there
# the script makes no apt call and returns at once.  When something is
# missing:
#   - as root: apt-get install -y the missing packages, running
#     apt-get update first only when the package lists cannot provide them
#     (or when an install from stale lists fails);
#   - otherwise: print the one `sudo apt-get install -y ...` line to run and
#     exit 1.
#
# Environment:
#   AMP_DEPS_FORCE_NONROOT=1  behave as a non-root user even as root (to see
#                             the printed line without installing anything)
#
# On a system without dpkg-query (not Debian) nothing is checked: a warning
# lists the packages and the script succeeds, so the build can still try.
set -euo pipefail

mode=${1:-bench}
case "$mode" in
bench) pkgs=(cmake gcc make) ;;
test) pkgs=(cmake gcc make libcmocka-dev gcc-arm-none-eabi
	libnewlib-arm-none-eabi clang libclang-rt-dev qemu-system-arm) ;;
format) pkgs=(clang-format) ;;
*)
	echo "usage: $0 [bench|test|format]" >&2
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian system, cannot check packages;" \
		"make sure these are installed: ${pkgs[*]}" >&2
	exit 0
fi

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = \
		"install ok installed" ]
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || [ -n "${AMP_DEPS_FORCE_NONROOT:-}" ]; then
	echo "deps.sh: 'make $mode' needs Debian packages that are not" \
		"installed; run:" >&2
	echo "sudo apt-get install -y ${missing[*]}"
	exit 1
fi

# Every missing package has an install candidate in the current lists.
have_candidates() {
	local p out
	for p in "$@"; do
		# Captured, not piped into grep -q: under pipefail an early
		# grep exit would fail the pipe with SIGPIPE.
		out=$(apt-cache policy "$p" 2>/dev/null) || return 1
		[[ $out =~ Candidate:\ [^\(] ]] || return 1
	done
}

export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: installing ${missing[*]}" >&2
updated=
if ! have_candidates "${missing[@]}"; then
	apt-get update -q
	updated=1
fi
if ! apt-get install -y -q "${missing[@]}"; then
	# Lists that name a package can still point at files the mirror has
	# replaced since: refresh once and retry.
	[ -n "$updated" ] && exit 1
	apt-get update -q
	apt-get install -y -q "${missing[@]}"
fi
