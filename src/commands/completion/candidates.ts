import type { Command, Option } from 'commander';
import { valueCandidates, type AppProperty } from '../app/properties.js';

/** Where completion finds what is not in the command tree itself. */
export interface CompletionSources {
  /** The App's settable properties (from the bundled CRD schema). */
  properties: () => readonly AppProperty[];
  /** Names of the instances that have a service dir. */
  instances: () => readonly string[];
}

/** Commands whose arguments belong to another program (kubectl, CMD): nothing to offer past them. */
const PASS_THROUGH = new Set(['ctl', 'run']);

function lineage(cmd: Command): Command[] {
  const out: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) out.push(c);
  return out;
}

/** The options usable at `cmd`: its own and its ancestors' (rdd's global options live on the root). */
function optionsAt(cmd: Command): Option[] {
  return lineage(cmd).flatMap((c) => c.options.filter((o) => !o.hidden));
}

function findOption(cmd: Command, flag: string): Option | undefined {
  return lineage(cmd)
    .flatMap((c) => c.options)
    .find((o) => o.long === flag || o.short === flag);
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

function optionValues(o: Option, sources: CompletionSources): readonly string[] {
  if (o.long === '--instance') return sources.instances();
  if (o.argChoices) return o.argChoices;
  // `--wait [bool]`: the only optional-value options rdd has are booleans.
  return o.optional ? ['true', 'false'] : [];
}

function subcommand(cmd: Command, word: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
}

function propertyCandidates(word: string, sources: CompletionSources): string[] {
  const props = sources.properties();
  const eq = word.indexOf('=');
  if (eq < 0) return props.map((p) => `${p.path}=`);
  const prop = props.find((p) => p.path === word.slice(0, eq));
  return prop ? valueCandidates(prop.schema).map((v) => `${prop.path}=${v}`) : [];
}

function positionalCandidates(cmd: Command, word: string, sources: CompletionSources): readonly string[] {
  // What `rdd --help` lists: hidden commands (`__complete`) stay hidden.
  const visible = cmd.createHelp().visibleCommands(cmd);
  if (visible.length > 0) return visible.map((c) => c.name());
  if (cmd.name() === 'set') return propertyCandidates(word, sources);
  return cmd.registeredArguments[0]?.argChoices ?? [];
}

/**
 * The words that may replace the last of `words` (the words after `rdd`, the
 * last being the one under the cursor, possibly empty), read from the same
 * commander tree that parses the command line, so the two cannot drift.
 */
export function completionCandidates(program: Command, words: readonly string[], sources: CompletionSources): string[] {
  const current = words.at(-1) ?? '';
  let cmd = program;
  let valueFor: Option | undefined;
  for (const word of words.slice(0, -1)) {
    if (valueFor) {
      valueFor = undefined;
    } else if (word === '--') {
      return [];
    } else if (word.startsWith('-')) {
      const option = findOption(cmd, word);
      if (option && takesValue(option) && !word.includes('=')) valueFor = option;
    } else {
      cmd = subcommand(cmd, word) ?? cmd;
    }
  }
  if (PASS_THROUGH.has(cmd.name()) && cmd !== program) return [];
  let candidates: readonly string[];
  if (valueFor && !(valueFor.optional && current.startsWith('-'))) {
    candidates = optionValues(valueFor, sources);
  } else if (current.startsWith('-') && current.includes('=')) {
    const flag = current.slice(0, current.indexOf('='));
    const option = findOption(cmd, flag);
    candidates = option && takesValue(option) ? optionValues(option, sources).map((v) => `${flag}=${v}`) : [];
  } else if (current.startsWith('-')) {
    candidates = [...optionsAt(cmd).flatMap((o) => (o.long ? [o.long] : [])), '--help'];
  } else {
    candidates = positionalCandidates(cmd, current, sources);
  }
  return [...new Set(candidates)].filter((c) => c.startsWith(current));
}

/** Characters bash splits words at by default (COMP_WORDBREAKS) that rdd's words contain. */
const BASH_WORD_BREAKS = /[=:]/g;

/**
 * bash replaces only the part of the word after its last word break, so
 * `rdd set vm.cpus=<TAB>` must get `4`, not `vm.cpus=4`.
 */
export function forBash(current: string, candidates: readonly string[]): string[] {
  const breaks = [...current.matchAll(BASH_WORD_BREAKS)];
  if (breaks.length === 0) return [...candidates];
  const cut = breaks[breaks.length - 1].index + 1;
  return candidates.map((c) => c.slice(cut));
}

/** bash hands over the line up to the cursor; the words are what the shell would split (quotes are not interpreted). */
export function wordsOfLine(line: string): string[] {
  return line.trimStart().split(/[ \t]+/).slice(1);
}
