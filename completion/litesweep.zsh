#compdef litesweep
# zsh completion for litesweep: litesweep completion zsh > "${fpath[1]}/_litesweep"
# Candidates (with descriptions) come from the binary itself.
_litesweep() {
  local -a opts
  local cur="${words[-1]}"
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
if [[ "$(basename -- ${(%):-%x})" != "_litesweep" ]]; then
  compdef _litesweep litesweep
fi
