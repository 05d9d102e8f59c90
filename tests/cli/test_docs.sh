#!/bin/sh
# The man pages and shell completions generated from the command table:
# rendered by man itself, completed by bash itself, installed by make.
. "$(dirname "$0")/lib.sh"
B=$(dirname "$A")
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)

# --- man pages render cleanly ---
for page in actsim.1 actsim-scenario.5; do
	MANWIDTH=80 man --warnings -l "$B/man/$page" >"$T/$page.txt" 2>"$T/$page.err"
	rc=$?
	check "man -l $page renders" '[ $rc = 0 ] && [ -s "$T/$page.txt" ]' "exit $rc"
	check "man -l $page without warnings" '[ ! -s "$T/$page.err" ]' "$(head -3 "$T/$page.err")"
	# only the CI recipes' one-line commands may be wider
	check "$page fits 80 columns" '[ -z "$(awk "length > 80 && !/scenarios.xml/" "$T/$page.txt")" ]' "$(awk "length > 80" "$T/$page.txt" | head -3)"
	check "$page has no stray markup" '! grep -qE "\\\\\\*|\\*\\*|\\\\_" "$T/$page.txt"' "$(grep -nE "\\\\\\*|\\*\\*" "$T/$page.txt" | head -3)"
done
$A --json help >"$T/top.json"
missing=""
for c in $(python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))["commands"]))' "$T/top.json"); do
	$A --json help "$c" >"$T/c.json"
	python3 - "$T/c.json" "$T/actsim.1.txt" <<'PY' || missing="$missing $c"
import json, re, sys
d = json.load(open(sys.argv[1]))
text = re.sub(r"\s+", " ", open(sys.argv[2]).read().replace("\u2010", "-").replace("-\n", ""))
for s in d["subcommands"]:
    assert s["usage"].split()[1] in text
    for o in s["options"]:
        assert "--" + o["name"] in text, o["name"]
    assert s["example"].split()[1] in text
PY
done
check "actsim(1) has every command and option" '[ -z "$missing" ]' "missing:$missing"
check "actsim(1) splits no option across lines" '! grep -qE -- "--[a-z0-9-]*(‐|-)$" "$T/actsim.1.txt"' "$(grep -nE -- "--[a-z0-9-]*(‐|-)$" "$T/actsim.1.txt" | head -3)"
check "actsim(1) shows machine list" 'grep -q "machine list" "$T/actsim.1.txt"' ""
check "actsim(1) says the exit codes" 'grep -q "EXIT STATUS" "$T/actsim.1.txt"' ""
check "actsim-scenario(5) has the language" 'grep -q "expect PATH OP VALUE" "$T/actsim-scenario.5.txt"' "$(head -20 "$T/actsim-scenario.5.txt")"

# --- bash completion, through bash ---
$A lab init --seed 3 >/dev/null
K=$($A key gen --sku web --channel retail --platform x86)
$A machine create alpha --key "$K" --hw "$HW/pe2850.json" >/dev/null
$A machine create beta --key "$K" --hw "$HW/dl380.json" >/dev/null
complete_with() {
	PATH="$B:$PATH" bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
		COMPREPLY=(); _actsim
		[ ${#COMPREPLY[@]} -gt 0 ] &&
			printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		sh "$B/completion/actsim.bash" "$@"
}
comp() { name=$1 want=$2; shift 2; got=$(complete_with "$@"); check "$name" '[ "$got" = "$want" ]' "got '$got', want '$want'"; }
comp "commands" "machine " actsim ma
comp "subcommands" "list logon " actsim machine l
comp "options of a subcommand" "--sort --state " actsim machine list --s
comp "license states" "reactivation_expired reactivation_grace " actsim machine list --state re
comp "machine names of the lab" "alpha beta " actsim machine show ""
comp "machine names after slmgr" "alpha " actsim slmgr a
comp "slmgr verbs" "/dli /dlv /dti " actsim slmgr alpha /d
comp "SKU words" "datacenter " actsim key gen --sku d
comp "channel words" "evaluation " actsim key gen --channel e
comp "platform words" "ia64 " actsim key gen --platform i
comp "global options" "--lab " actsim --la
comp "clock set --backwards" "--backwards --help --json " actsim clock set --
comp "the lab given with --lab" "" actsim --lab "$T/none" machine show ""
comp "--lab=DIR, as bash splits it" "alpha " actsim --lab = "$ACTSIM_LAB" machine show a
comp "machine names for every NAME in the table" "alpha beta " actsim machine timeline ""
comp "help: commands" "machine " actsim help mach
comp "help: subcommands" "activate " actsim help machine ac
comp "fault kinds from the option's help" "down error garbage latency reset slow timeout tls truncate " actsim admin faults set --kind ""
comp "report formats from the usage" "html json junit narrate tap " actsim scenario run --format ""
comp "lab migrate --to" "sqlite " actsim lab migrate --to ""
comp "admin faults' own words" "clear list set " actsim admin faults ""
comp "admin clock's own words" "run show stop " actsim admin clock ""
comp "a product key is not a file name" "" actsim machine create x --key ""
comp "but the server's --key is" "$(ls -d "$T"/t* | sort | tr '\n' ' ')" actsim server --key "$T/t"
comp "hardware fields" "cdrom cpu_model cpu_serial " actsim machine hw alpha --replace c
comp "yes or no" "no yes " actsim phone alpha --single-computer ""
comp "--opt=VALUE" "deadline name " actsim machine list --sort = ""
comp "an option's value is not a machine position" "alpha beta " actsim machine activate --url x ""
cp -r "$ACTSIM_LAB" "$T/sp lab"
comp "a lab path with a space, quoted" "alpha " actsim --lab "'$T/sp lab'" machine show a
comp "a lab path with a space, escaped" "alpha " actsim --lab "$T/sp\\ lab" machine show a
comp "a directory with a space stays one word" "$T/sp lab " actsim --lab "$T/sp"
comp "--opt=VALUE in one word (as zsh passes it)" "--sort=deadline " actsim machine list --sort=d
check "complete is registered" 'bash --norc -c "source $B/completion/actsim.bash; complete -p actsim" | grep -q "_actsim actsim"' ""

# --- zsh loads its completion ---
zsh -f -c "autoload -U compinit && compinit -u -D && source $B/completion/_actsim && [ \"\${_comps[actsim]}\" != '' ]" 2>"$T/zerr"
zrc=$?
check "zsh registers the actsim completion" '[ $zrc = 0 ]' "$(head -3 "$T/zerr")"

# --- zsh completes on the first Tab of a new interactive shell ---
cat >"$T/tab.zsh" <<'Z'
# usage: zsh -f tab.zsh BUILD LAB LINE: the screen after one Tab at LINE
zmodload zsh/zpty
B=$1 L=$2 line=$3
zpty z "env -i HOME=${0:h} TERM=dumb PATH=$B:/usr/bin:/bin zsh -f -i"
zpty -w z "PS1='%% '; fpath=($B/completion \$fpath); autoload -U compinit; compinit -u -D; export ACTSIM_LAB=$L; print READY"
out=''
while zpty -r -t z chunk; do out+=$chunk; [[ $out == *READY*READY* ]] && break; done
sleep 0.5
while zpty -r -t z chunk; do :; done
zpty -w -n z "$line"$'\t'
sleep 1.5
got=''
while zpty -r -t z chunk; do got+=$chunk; done
zpty -d z
print -r -- "${got//$'\r'/}"
Z
zsh -f "$T/tab.zsh" "$B" "$ACTSIM_LAB" "actsim mach" >"$T/ztab" 2>&1
check "zsh: the first Tab completes a command" 'tail -1 "$T/ztab" | grep -q "actsim machine $"' "$(tail -2 "$T/ztab" | cat -v)"
zsh -f "$T/tab.zsh" "$B" "$ACTSIM_LAB" "actsim machine show al" >"$T/ztab" 2>&1
zsh -f "$T/tab.zsh" "$B" "$ACTSIM_LAB" "actsim machine list --sort=d" >"$T/ztab3" 2>&1
check "zsh: --opt=VALUE" 'tail -1 "$T/ztab3" | grep -q -- "--sort=deadline $"' "$(tail -2 "$T/ztab3" | cat -v)"
check "zsh: and a machine name of the lab" 'tail -1 "$T/ztab" | grep -q "actsim machine show alpha $"' "$(tail -2 "$T/ztab" | cat -v)"

# --- make install puts them where man and the shells look ---
I="$T/inst"
make --no-print-directory -s BUILD="$B" DESTDIR="$I" PREFIX=/usr install >"$T/install.out" 2>&1
irc=$?
check "make install" '[ $irc = 0 ]' "$(tail -3 "$T/install.out")"
for f in share/man/man1/actsim.1 share/man/man5/actsim-scenario.5 \
	share/bash-completion/completions/actsim share/zsh/site-functions/_actsim; do
	check "installed $f" '[ -s "$I/usr/$f" ]' "missing"
done
check "installed man page renders" 'MANWIDTH=80 man -l "$I/usr/share/man/man1/actsim.1" | grep -q "actsim - product-key"' ""
make --no-print-directory -s BUILD="$B" DESTDIR="$I" PREFIX=/usr uninstall >/dev/null 2>&1
check "make uninstall removes them" '[ ! -e "$I/usr/share/man/man1/actsim.1" ] && [ ! -e "$I/usr/share/bash-completion/completions/actsim" ]' ""

finish
