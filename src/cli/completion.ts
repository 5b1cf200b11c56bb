/**
 * Shell completion the way kubectl and docker (cobra) do it: the script a shell sources is small and
 * asks the binary, `mcp __complete WORD… CURRENT`, for the candidates of the word being typed. The
 * answer is one candidate a line ("value<TAB>description"), then a directive line ":N". So the three
 * shells (bash, zsh, fish) complete the same commands, flags and values, dynamic ones included
 * (profiles, services, rule ids, doctor codes, Docker contexts), from one place.
 */

/** What the shell does besides offering the candidates (cobra's ShellCompDirective bits). */
export const Directive = {
  /** No candidates: let the shell complete file names. */
  Default: 0,
  /** Do not add a space after the candidate (e.g. "rule-id=" waits for a severity). */
  NoSpace: 2,
  /** Never fall back to file names. */
  NoFileComp: 4,
} as const

export interface FlagInfo {
  name: string
  char?: string
  /** Takes a value (an option flag), as opposed to a boolean. */
  takesValue: boolean
  options?: readonly string[]
  description?: string
  hidden?: boolean
  multiple?: boolean
  allowNo?: boolean
}

export interface CommandInfo {
  /** oclif id, topics joined by ":" (config:use). */
  id: string
  summary?: string
  hidden?: boolean
  flags: FlagInfo[]
  args: string[]
}

/** Where dynamic values come from; each may fail or time out and then offers nothing. */
export interface ValueSources {
  profiles(): Promise<string[]>
  /** Service names from the discovery sources the typed flags (--profile, --etcd-endpoints, …) point at. */
  services(connectionFlags: Record<string, string>): Promise<string[]>
  /** Rule ids (with their one-line description) that this command's --rule accepts, or all of them. */
  rules(commandId: string | undefined): Promise<{id: string; description: string}[]>
  doctorCodes(): Promise<string[]>
  /** Docker CLI contexts (the docker CLI's store, a local read). */
  dockerContexts(): Promise<string[]>
}

export interface Candidate {
  value: string
  description?: string
}

export interface CompletionAnswer {
  candidates: Candidate[]
  directive: number
}

/** Flags whose values name a connection: read from the line so that service names come from where the command would look. */
const CONNECTION_FLAGS = new Set([
  'profile',
  'docker-host',
  'context',
  'etcd-endpoints',
  'source',
  'label-prefix',
  'registry-prefix',
  'consul-addr',
])

const SEVERITIES = ['off', 'info', 'warning', 'error']

/** Flags whose value comes from a source of ours, by flag name (the same name means the same thing in every command). */
async function flagValues(
  flag: FlagInfo,
  current: string,
  command: CommandInfo,
  typed: Record<string, string>,
  sources: ValueSources,
): Promise<CompletionAnswer> {
  if (flag.options)
    return values(
      flag.options.map((value) => ({value})),
      current,
    )
  switch (flag.name) {
    case 'profile': {
      return values(
        (await sources.profiles()).map((value) => ({value})),
        current,
      )
    }

    case 'service': {
      return values(
        (await sources.services(typed)).map((value) => ({value})),
        current,
      )
    }

    case 'rule': {
      // id=severity: first the id (no space after "="), then the severity.
      const eq = current.indexOf('=')
      const rules = await sources.rules(command.id)
      if (eq === -1) {
        const answer = values(
          rules.map((r) => ({value: `${r.id}=`, description: r.description})),
          current,
        )
        return {...answer, directive: answer.directive | Directive.NoSpace}
      }

      const id = current.slice(0, eq)
      return values(
        SEVERITIES.map((s) => ({value: `${id}=${s}`})),
        current,
      )
    }

    case 'context': {
      // trace's -C/--context is a number of lines; everywhere else it names a Docker context.
      if (command.id === 'trace') break
      return values(
        (await sources.dockerContexts()).map((value) => ({value})),
        current,
      )
    }

    case 'docker-context': {
      return values(
        (await sources.dockerContexts()).map((value) => ({value})),
        current,
      )
    }

    case 'only':
    case 'ignore': {
      if (command.id === 'doctor') return commaList(await sources.doctorCodes(), current)
      break
    }
  }

  return {candidates: [], directive: Directive.Default}
}

/** Positional arguments whose values we know: a rule to explain, a profile, a service to load. */
async function argValues(
  command: CommandInfo,
  index: number,
  current: string,
  typed: Record<string, string>,
  sources: ValueSources,
): Promise<CompletionAnswer> {
  const arg = command.args[index]
  if (command.id === 'rules' && arg === 'id') {
    return values(
      (await sources.rules(undefined)).map((r) => ({value: r.id, description: r.description})),
      current,
    )
  }

  if ((command.id === 'config:use' || command.id === 'config:show') && arg === 'name') {
    return values(
      (await sources.profiles()).map((value) => ({value})),
      current,
    )
  }

  if (command.id === 'loadtest' && arg === 'target') {
    // A URL is typed by hand; a service name is offered. No file names either way.
    const answer = values(
      (await sources.services(typed)).map((value) => ({value})),
      current,
    )
    return {...answer, directive: Directive.NoFileComp}
  }

  return {candidates: [], directive: arg === undefined ? Directive.NoFileComp : Directive.Default}
}

function values(all: readonly Candidate[], current: string): CompletionAnswer {
  const seen = new Set<string>()
  const candidates = all.filter((c) => c.value.startsWith(current) && !seen.has(c.value) && seen.add(c.value))
  return {candidates, directive: Directive.NoFileComp}
}

/** "A,B,C": complete the last item, keeping the ones before; items already given are not offered again. */
function commaList(all: readonly string[], current: string): CompletionAnswer {
  const cut = current.lastIndexOf(',') + 1
  const before = current.slice(0, cut)
  const given = new Set(before.split(',').filter(Boolean))
  return values(
    all.filter((v) => !given.has(v)).map((v) => ({value: before + v})),
    current,
  )
}

/**
 * The candidates for `current`, the word being typed, after `words` (everything typed after "mcp").
 * Pure but for `sources`: tested without a shell.
 */
export async function complete(
  commands: readonly CommandInfo[],
  words: readonly string[],
  current: string,
  sources: ValueSources,
  topics: Readonly<Record<string, string>> = {},
): Promise<CompletionAnswer> {
  const visible = commands.filter((c) => !c.hidden)
  // The command: the longest run of leading words that names one (topics are separated by spaces).
  let command: CommandInfo | undefined
  let used = 0
  for (let n = 1; n <= words.length; n++) {
    const id = words.slice(0, n).join(':')
    const found = visible.find((c) => c.id === id)
    if (found) {
      command = found
      used = n
    } else if (!visible.some((c) => c.id.startsWith(id + ':'))) break
  }

  if (
    !command ||
    (used === words.length && !current.startsWith('-') && visible.some((c) => c.id.startsWith(command!.id + ':')))
  ) {
    // A command or topic name (or a subcommand of a topic that is also a command).
    const topic = command ? command.id : words.join(':')
    if (!command && words.length > 0 && !visible.some((c) => c.id.startsWith(topic + ':')))
      return {candidates: [], directive: Directive.NoFileComp}
    const prefix = topic ? topic + ':' : ''
    const next = new Map<string, string | undefined>()
    for (const c of visible) {
      if (!c.id.startsWith(prefix)) continue
      const name = c.id.slice(prefix.length).split(':')[0]!
      const isLeaf = c.id === prefix + name
      if (!next.has(name) || isLeaf) next.set(name, isLeaf ? c.summary : topics[prefix + name])
    }

    return values(
      [...next].map(([value, description]) => ({value, ...(description ? {description} : {})})),
      current,
    )
  }

  const rest = words.slice(used)
  const byName = new Map(command.flags.map((f) => [f.name, f]))
  const byChar = new Map(command.flags.filter((f) => f.char).map((f) => [f.char!, f]))
  const flagOf = (word: string): FlagInfo | undefined =>
    word.startsWith('--')
      ? byName.get(word.slice(2).split('=')[0]!)
      : /^-[^-]$/.test(word)
        ? byChar.get(word[1]!)
        : undefined
  // Walk what is typed: flags given, the values they took, the positional arguments so far.
  const typed: Record<string, string> = {}
  const given = new Set<string>()
  let positional = 0
  let afterDoubleDash = false
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!
    if (afterDoubleDash || !word.startsWith('-') || word === '-') {
      positional++
      continue
    }

    if (word === '--') {
      afterDoubleDash = true
      continue
    }

    const flag = flagOf(word)
    if (!flag) continue
    given.add(flag.name)
    if (flag.takesValue && !word.includes('=')) {
      const value = rest[++i]
      if (value !== undefined && CONNECTION_FLAGS.has(flag.name)) typed[flag.name] = value
    } else if (flag.takesValue && CONNECTION_FLAGS.has(flag.name)) {
      typed[flag.name] = word.slice(word.indexOf('=') + 1)
    }
  }

  // The value of a flag: "--flag VALUE" (the word before is the flag) or "--flag=VALUE".
  const previous = rest.at(-1)
  const previousFlag =
    previous !== undefined && !afterDoubleDash && !previous.includes('=') ? flagOf(previous) : undefined
  if (previousFlag?.takesValue) return flagValues(previousFlag, current, command, typed, sources)
  if (!afterDoubleDash && current.startsWith('--') && current.includes('=')) {
    const name = current.slice(2, current.indexOf('='))
    const flag = byName.get(name)
    if (!flag?.takesValue) return {candidates: [], directive: Directive.NoFileComp}
    const prefix = `--${name}=`
    const answer = await flagValues(flag, current.slice(prefix.length), command, typed, sources)
    return {...answer, candidates: answer.candidates.map((c) => ({...c, value: prefix + c.value}))}
  }

  if (!afterDoubleDash && current.startsWith('-')) {
    const offered: Candidate[] = []
    for (const f of command.flags) {
      if (f.hidden || (given.has(f.name) && !f.multiple)) continue
      offered.push({value: `--${f.name}`, ...(f.description ? {description: f.description} : {})})
      if (f.allowNo) offered.push({value: `--no-${f.name}`})
    }

    return values(offered, current)
  }

  return argValues(command, positional, current, typed, sources)
}

/** The answer as `mcp __complete` prints it: "value<TAB>description" lines (tabs and line breaks in text made spaces), then ":N". */
export function formatAnswer(answer: CompletionAnswer): string {
  const clean = (s: string): string => s.replaceAll(/[\t\r\n]+/g, ' ').replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, '')
  // A menu line, not the help: long descriptions end at ~80 characters.
  const short = (s: string): string => ([...s].length > 80 ? [...s].slice(0, 79).join('').trimEnd() + '…' : s)
  const lines = answer.candidates.map((c) =>
    c.description ? `${clean(c.value)}\t${short(clean(c.description))}` : clean(c.value),
  )
  return [...lines, `:${answer.directive}`].join('\n') + '\n'
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

/** The script to source for a shell; `bin` is the command's name (mcp). */
export function completionScript(shell: Shell, bin: string): string {
  const fn = `_${bin.replaceAll(/[^A-Za-z0-9_]/g, '_')}_complete`
  switch (shell) {
    case 'bash': {
      return shellText(BASH).replaceAll('__FN__', fn).replaceAll('__BIN__', bin)
    }

    case 'zsh': {
      return shellText(ZSH).replaceAll('__FN__', fn).replaceAll('__BIN__', bin)
    }

    case 'fish': {
      return FISH.replaceAll('__FN__', fn.replace(/^_+/, '__')).replaceAll('__BIN__', bin)
    }
  }
}

/** The scripts below write the shell's "${" as "%{": a template literal would take "${" for itself. */
function shellText(text: string): string {
  return text.replaceAll('%{', '${')
}

const BASH = String.raw`# __BIN__ completion for bash: source <(__BIN__ completion bash), or save it in
# /etc/bash_completion.d/__BIN__. Candidates come from "__BIN__ __complete" (commands, flags, profiles,
# services, rule ids, doctor codes); with none, file names.
__FN__() {
  local line="%{COMP_LINE:0:COMP_POINT}" cur="" words=()
  read -r -a words <<< "$line"
  if [[ -n "$line" && "$line" != *[[:space:]] && %{#words[@]} -gt 0 ]]; then
    cur="%{words[%{#words[@]}-1]}"
    unset 'words[%{#words[@]}-1]'
  fi
  local out
  out=$("%{words[0]}" __complete -- "%{words[@]:1}" "$cur" 2>/dev/null) || return 0
  local lines=() directive=0
  mapfile -t lines <<< "$out"
  if [[ %{#lines[@]} -gt 0 && "%{lines[%{#lines[@]}-1]}" =~ ^:([0-9]+)$ ]]; then
    directive="%{BASH_REMATCH[1]}"
    unset 'lines[%{#lines[@]}-1]'
  fi
  # bash replaces only what follows the last "=" or ":" of the word (COMP_WORDBREAKS): drop what is before.
  local tail="$cur"
  [[ "$COMP_WORDBREAKS" == *=* ]] && tail="%{tail##*=}"
  [[ "$COMP_WORDBREAKS" == *:* ]] && tail="%{tail##*:}"
  local strip=$(( %{#cur} - %{#tail} )) c
  COMPREPLY=()
  for c in "%{lines[@]}"; do
    [[ -n "$c" ]] && COMPREPLY+=("%{c%%$'\t'*}")
  done
  COMPREPLY=("%{COMPREPLY[@]:0}")
  local i
  for i in "%{!COMPREPLY[@]}"; do COMPREPLY[i]="%{COMPREPLY[i]:strip}"; done
  (( directive & 2 )) && compopt -o nospace 2>/dev/null
  (( directive & 4 )) && compopt +o default 2>/dev/null
  return 0
}
complete -o default -F __FN__ __BIN__
`

const ZSH = String.raw`#compdef __BIN__
# __BIN__ completion for zsh: source <(__BIN__ completion zsh), or save it as _mcp in a directory of
# $fpath. Candidates come from "__BIN__ __complete" (commands, flags, profiles, services, rule ids,
# doctor codes); with none, file names.
__FN__() {
  local out directive=0 line
  local -a lines cands
  out=$(%{words[1]} __complete -- "%{(@)words[2,CURRENT-1]}" "%{words[CURRENT]}" 2>/dev/null) || return 1
  lines=("%{(@f)out}")
  if [[ "%{lines[-1]}" == :<-> ]]; then
    directive=%{lines[-1]#:}
    lines=("%{(@)lines[1,-2]}")
  fi
  for line in "%{lines[@]}"; do
    [[ -z "$line" ]] && continue
    if [[ "$line" == *$'\t'* ]]; then
      cands+=("%{%{line%%$'\t'*}//:/\\:}:%{line#*$'\t'}")
    else
      cands+=("%{line//:/\\:}")
    fi
  done
  if (( %{#cands} )); then
    if (( directive & 2 )); then
      _describe -t values 'values' cands -S ''
    else
      _describe -t values 'values' cands
    fi
  elif (( !(directive & 4) )); then
    _files
  fi
}
if [[ "$funcstack[1]" == "___BIN__" ]]; then
  __FN__ "$@"
else
  compdef __FN__ __BIN__
fi
`

const FISH = String.raw`# __BIN__ completion for fish: __BIN__ completion fish > ~/.config/fish/completions/__BIN__.fish
# Candidates come from "__BIN__ __complete" (commands, flags, profiles, services, rule ids, doctor
# codes); with none, file names.
function __FN__
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l out ($tokens[1] __complete -- $tokens[2..-1] "$current" 2>/dev/null)
    or return
    set -l directive 0
    if string match -qr '^:[0-9]+$' -- "$out[-1]"
        set directive (string sub -s 2 -- "$out[-1]")
        set -e out[-1]
    end
    if test (count $out) -gt 0
        printf '%s\n' $out
    else if test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path "$current"
    end
end
complete -c __BIN__ -f -a '(__FN__)'
`
