#!/usr/bin/env bash
# The project's C++ format, as Debian's clang-format applies it (.clang-format at the root).
#
#   scripts/format.sh           # rewrites every tracked .cpp/.hpp that clang-format would change
#   scripts/format.sh --check   # changes nothing; lists those files and fails if there are any
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CHALK_ROOT"

command -v clang-format >/dev/null 2>&1 || die "clang-format is not installed (Debian package clang-format)"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp')
[ ${#sources[@]} -gt 0 ] || die "no C++ sources are tracked in $CHALK_ROOT"

case "${1:-}" in
  "")
    clang-format -i "${sources[@]}"
    ;;
  --check)
    unformatted=()
    for file in "${sources[@]}"; do
      clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
    done
    if [ ${#unformatted[@]} -gt 0 ]; then
      printf 'error: clang-format would change %d file(s); run scripts/format.sh:\n' "${#unformatted[@]}" >&2
      printf '  %s\n' "${unformatted[@]}" >&2
      exit 1
    fi
    log "format: ${#sources[@]} files as clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1) writes them"
    ;;
  *) die "usage: $0 [--check]" ;;
esac
