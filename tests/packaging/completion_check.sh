#!/usr/bin/env bash
# tests/packaging/completion_check.sh POLICY COMPLETION
# The bash completion (packaging/bash_completion.cmake makes it from --help) runs in bash and
# completes every subcommand of `policy --help` and every option of each `policy SUB --help`,
# read here independently of the generator; option values listed as {a,b} are completed too.
set -euo pipefail
policy=$1
completion=$2
export POLICY_LANG=en LC_ALL=C.UTF-8
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# shellcheck source=/dev/null
source "$completion"
[[ $(complete -p policy) == *"-F _policy"* ]] || fail "the file does not register _policy for policy"

# complete WORDS...: COMPREPLY for the command line WORDS, the last being the word under the cursor.
complete_words() {
  COMP_WORDS=(policy "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="${COMP_WORDS[*]}"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _policy policy "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[@]}"
}

# The lines of a help section: after "Name:" up to the next empty line.
section() { awk -v s="$1:" '$0 == s {on = 1; next} on && $0 == "" {exit} on {print}'; }

subcommands=$("$policy" --help | section Subcommands | awk '/^  [a-z]/ {print $1}')
[[ -n $subcommands ]] || fail "policy --help lists no subcommands"
got=$(complete_words "")
for sub in $subcommands; do
  grep -qx -- "$sub" <<<"$got" || fail "'policy <TAB>' does not offer $sub"
done
grep -qx -- "--version" <<<"$(complete_words -)" || fail "'policy -<TAB>' does not offer --version"
n=0
for sub in $subcommands; do
  offered=$(complete_words "$sub" -)
  while read -r names rest; do
    for name in ${names//,/ }; do
      n=$((n + 1))
      grep -qx -- "$name" <<<"$offered" || fail "'policy $sub -<TAB>' does not offer $name"
    done
    # A value list such as TEXT:{csv,jsonl,xlsx}, right after the names.
    if [[ $rest =~ ^[A-Z]+:\{([^}]*)\} ]]; then
      values=${BASH_REMATCH[1]}
      last=${names##*,}
      got=$(complete_words "$sub" "$last" "")
      for v in ${values//,/ }; do
        grep -qx -- "$v" <<<"$got" || fail "'policy $sub $last <TAB>' does not offer $v"
      done
    fi
  done < <("$policy" "$sub" --help | section Options | grep -E '^  -' | sed -E 's/^  //')
done
# Completion narrows by the prefix typed, and an option's value is not taken for a subcommand.
[[ $(complete_words ba) == batch ]] || fail "'policy ba<TAB>' should give batch, got: $(complete_words ba)"
[[ $(complete_words batch --output-e) == --output-encoding ]] || fail "'policy batch --output-e<TAB>'"
[[ $(complete_words batch --format j) == jsonl ]] || fail "'policy batch --format j<TAB>'"
[[ -z $(complete_words eval --set "") ]] || fail "'policy eval --set <TAB>' should leave it to file names"

echo "checked $(wc -w <<<"$subcommands") subcommands and $n option names"
if ((failures > 0)); then
  echo "$failures failures" >&2
  exit 1
fi
