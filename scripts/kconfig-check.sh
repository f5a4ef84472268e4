#!/usr/bin/env bash
# kconfig-check.sh FINAL_CONFIG FRAGMENT...
# Fails when a symbol a fragment asks for did not survive the merge (a missing dependency,
# a typo, a symbol hidden behind another), or when two fragments disagree on one symbol.
. "$(dirname "$0")/lib.sh"
final=$1; shift
declare -A want from
bad=0
for frag in "$@"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*}; val=${line#*=} ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}; val=n ;;
		*) continue ;;
		esac
		if [ -n "${want[$sym]:-}" ] && [ "${want[$sym]}" != "$val" ]; then
			echo "kconfig: $sym is ${want[$sym]} in ${from[$sym]} but $val in $frag" >&2
			bad=1
		fi
		want[$sym]=$val from[$sym]=$frag
	done < "$frag"
done
declare -A have
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) have[${line%%=*}]=${line#*=} ;;
	esac
done < "$final"
for sym in "${!want[@]}"; do
	got=${have[$sym]:-n}
	if [ "$got" != "${want[$sym]}" ]; then
		echo "kconfig: ${from[$sym]}: $sym=${want[$sym]} requested, but the merged config has $sym=$got" >&2
		bad=1
	fi
done
[ $bad = 0 ] || die "kernel config fragments did not survive the merge (see above)"
