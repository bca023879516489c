import { Argument, type Command } from 'commander';
import { COMPLETION_SCRIPTS, SHELLS, type Shell } from './completion/scripts.js';

async function complete(program: Command, shell: Shell, args: readonly string[]): Promise<void> {
  const [{ completionCandidates, forBash, wordsOfLine }, { existingInstances }, { bundledAppSpecSchema }, { settableProperties }] =
    await Promise.all([
      import('./completion/candidates.js'),
      import('./completion/instances.js'),
      import('./app/bundled-schema.js'),
      import('./app/properties.js'),
    ]);
  const words = shell === 'bash' ? wordsOfLine(args[0] ?? '') : args;
  const candidates = completionCandidates(program, words, {
    properties: () => settableProperties(bundledAppSpecSchema()),
    instances: () => existingInstances(),
  });
  const out = shell === 'bash' ? forBash(words.at(-1) ?? '', candidates) : candidates;
  process.stdout.write(out.map((c) => `${c}\n`).join(''));
}

export function register(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script (bash: source <(rdd completion bash); fish: rdd completion fish | source)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(COMPLETION_SCRIPTS[shell]);
    });

  // What the completion scripts call: the words typed so far (bash: the line up to the cursor) after `--`.
  program
    .command('__complete', { hidden: true })
    .addArgument(new Argument('<shell>').choices(SHELLS))
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action((shell: Shell, words: string[]) => complete(program, shell, words));
}
