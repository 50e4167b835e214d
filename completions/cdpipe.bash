# bash completion for the cdpipe programs (installed as
# share/bash-completion/completions/cdp and one link per program).
# Options and commands are read from each program's --help, so the
# completion never falls behind the programs.

# _cdpipe_help PROG [COMMAND]: the help text, cached per word.
_cdpipe_help()
{
	local key="${1}_${2}"
	key=${key//[^a-zA-Z0-9_]/_}
	if [[ -z ${_cdpipe_cache[$key]+set} ]]; then
		_cdpipe_cache[$key]=$("$1" ${2:+"$2"} --help 2>/dev/null)
	fi
	printf '%s\n' "${_cdpipe_cache[$key]}"
}

# The commands of a program that has them: the word after the program's
# name on its usage lines, or the names listed under "commands:".
_cdpipe_commands()
{
	_cdpipe_help "$1" | awk -v p="$1" '
		/^commands:/ { list = 1; next }
		list && /^  [a-z]/ { print $1; next }
		list && !/^  / { list = 0 }
		($1 == "usage:" && $2 == p) { print $3 }
		($1 == p && $0 ~ /^ /) { print $2 }' |
	    grep -E '^[a-z][a-z-]*$' | sort -u
}

_cdpipe()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]##*/}
	local first=1 cmds sub
	declare -gA _cdpipe_cache

	if [[ $prog == cdp ]]; then
		if ((COMP_CWORD == 1)); then
			COMPREPLY=($(compgen -W "$(_cdpipe_help cdp |
			    awk '/^  [a-z]/ { print $1 }')" -- "$cur"))
			return
		fi
		prog=cdp-${COMP_WORDS[1]}
		first=2
	fi
	cmds=$(_cdpipe_commands "$prog")
	if [[ -n $cmds ]] && ((COMP_CWORD == first)); then
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		return
	fi
	[[ -n $cmds ]] && sub=${COMP_WORDS[first]}
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_cdpipe_help "$prog" "$sub" |
		    grep -oE -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _cdpipe cdp cdp-ingest cdp-dedupe cdp-merge \
    cdp-segment cdp-score cdp-report cdp-export cdp-partition cdp-journey \
    cdp-join
