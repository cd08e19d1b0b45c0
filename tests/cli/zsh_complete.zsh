# Complete a command line in a real interactive zsh with compinit, driven through zpty.
#   zsh -f zsh_complete.zsh SITE_FUNCTIONS_DIR 'qcli extension '
# prints the candidates zsh's completion system offers, one per line. compadd is wrapped to
# print what it would add; the markers are built from pieces so that the pty's echo of the
# typed definitions never matches them.
zmodload zsh/zpty
site=$1
line=$2
zpty z zsh -f -i
zpty -w z "PROMPT=''; RPROMPT=''; fpath=($site \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "@""@$h@""@"; done; }'
zpty -w z 'bindkey "^I" complete-word; qcli_done () { print -r -- "@""@END@""@" }; comppostfuncs=( qcli_done )'
zpty -w z "$line"$'\t'
out=""
integer end=$(( SECONDS + 15 ))
while (( SECONDS < end )); do
  if zpty -r -t z chunk; then
    out+=$chunk
    [[ $out == *"@@END@@"* ]] && break
  else
    sleep 0.05
  fi
done
zpty -d z
[[ $out == *"@@END@@"* ]] || { print -u2 "zsh never finished completing: $line"; exit 2 }
print -r -- "$out" | grep -ao '@@[^@]*@@' | grep -v '@@END@@' | sed 's/^@@//; s/@@$//' | sort -u
