// The scripts `mar completion bash|zsh|fish` prints. Each is a thin wrapper
// that hands the words before the cursor to `mar __complete SHELL -- …`
// (src/cli/complete.ts) and shows what comes back, so the three shells
// complete the same commands, flags and names, and none of them goes stale
// when a command or a flag is added. `:files` means "complete paths here".
import type {Shell} from './complete.js'

const bash = `# mar completion for bash.
# Load it in this shell:     source <(mar completion bash)
# Install it for your user:  mar completion bash > ~/.local/share/bash-completion/completions/mar
_mar_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out
  local IFS=$'\\n'
  # The words after "mar" up to the cursor; the last one may be empty.
  out=$(mar __complete bash -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  if [[ "$out" == ":files" ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
  # "shop/" goes on with that stack's names: no space after it.
  if [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == */ ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}
complete -F _mar_complete mar
`

const zsh = `#compdef mar
# mar completion for zsh.
# Load it in this shell (after compinit):  source <(mar completion zsh)
# Install it: save it as _mar in a directory of $fpath, e.g.
#   mar completion zsh > ~/.zfunc/_mar   with  fpath=(~/.zfunc $fpath)  before compinit in ~/.zshrc
_mar() {
  local -a lines described slashed
  local line ret=1
  # The words after "mar" up to the cursor; the last one may be empty.
  lines=("\${(@f)$(mar __complete zsh -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${lines[1]}" == ":files" ]]; then
    _files
    return
  fi
  for line in "\${lines[@]}"; do
    [[ -z "$line" ]] && continue
    # "shop/" goes on with that stack's names: no space after it.
    if [[ "\${line%%:*}" == */ ]]; then
      slashed+=("\${line%%:*}")
    else
      described+=("$line")
    fi
  done
  (( \${#described} )) && _describe -t mar 'mar' described && ret=0
  (( \${#slashed} )) && compadd -S '' -- "\${slashed[@]}" && ret=0
  return ret
}
if [[ "\${funcstack[1]}" == "_mar" ]]; then
  _mar "$@"
else
  compdef _mar mar
fi
`

const fish = `# mar completion for fish.
# Load it in this shell:     mar completion fish | source
# Install it for your user:  mar completion fish > ~/.config/fish/completions/mar.fish
function __mar_complete
    # The words after "mar" up to the cursor, and the one at the cursor (maybe empty).
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l out (mar __complete fish -- $words "$current" 2>/dev/null)
    if test "$out[1]" = ":files"
        __fish_complete_path "$current"
        return
    end
    for line in $out
        echo $line
    end
end
complete -c mar -f -a '(__mar_complete)'
`

const SCRIPTS: Record<Shell, string> = {bash, zsh, fish}

export function completionScript(shell: Shell): string {
  return SCRIPTS[shell]
}
