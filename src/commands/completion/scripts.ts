/**
 * The shell side of completion: each script only hands the words to
 * `rdd __complete <shell>` and offers what it prints, one candidate a line;
 * all the knowledge (commands, flags, properties, instances) stays in rdd.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const bash = `# rdd completion for bash: source <(rdd completion bash)
_rdd_complete() {
  local IFS=$'\\n'
  COMPREPLY=($("\${COMP_WORDS[0]}" __complete bash -- "\${COMP_LINE:0:COMP_POINT}" 2>/dev/null))
  # PROP= and --flag= still need their value: no space after them.
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *= ]]; then compopt -o nospace; fi
}
complete -F _rdd_complete rdd
`;

const zsh = `#compdef rdd
# rdd completion for zsh: source <(rdd completion zsh)
_rdd() {
  local -a candidates
  candidates=(\${(f)"$(\${words[1]} __complete zsh -- "\${(@)words[2,CURRENT]}" 2>/dev/null)"})
  compadd -S '' -- \${(M)candidates:#*=}
  compadd -- \${candidates:#*=}
}
compdef _rdd rdd
`;

const fish = `# rdd completion for fish: rdd completion fish | source
function __rdd_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    $tokens[1] __complete fish -- $tokens[2..-1] "$current" 2>/dev/null
end
complete -c rdd -f -a '(__rdd_complete)'
`;

export const COMPLETION_SCRIPTS: Readonly<Record<Shell, string>> = { bash, zsh, fish };
