import type { Command, Option } from 'commander';

/** Arguments that hold message or item ids, which servers may begin with '-' (POP3 UIDLs, EWS/Graph ids). */
const ID_ARGUMENT = /^(uids?|ids?)$/;
/** What a mistyped option looks like: it stays an option, so commander names it as unknown. */
const OPTION_WORD = /^--[a-z][a-z0-9-]*(=.*)?$/;

function findOption(options: readonly Option[], token: string): Option | undefined {
  const name = token.includes('=') && token.startsWith('--') ? token.slice(0, token.indexOf('=')) : token;
  return options.find((o) => o.long === name || o.short === name);
}

/**
 * Lets ids that begin with '-' be typed after the resource as they are (`get RES -Q2D3…`): for a
 * command with an id argument, every dash token that is none of its options is moved behind a
 * `--`, where commander takes it as an operand. An explicit `--` keeps working. Ids that look
 * like a long option name (`--abc`) still need the `--`, so a mistyped option is not read as an id.
 */
export function idsAsOperands(argv: readonly string[], program: Command): string[] {
  const globalOptions = [...program.options];
  let i = 2; // node, script
  while (i < argv.length && findOption(globalOptions, argv[i] as string)) i++;
  const cmd = program.commands.find((c) => c.name() === argv[i] || c.aliases().includes(argv[i] as string));
  if (!cmd || !cmd.registeredArguments.some((a) => ID_ARGUMENT.test(a.name()))) return [...argv];
  const options = [...globalOptions, ...cmd.options];
  const kept = argv.slice(0, i + 1);
  const moved: string[] = [];
  for (i++; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') return [...kept, '--', ...moved, ...argv.slice(i + 1)];
    if (token === '-h' || token === '--help' || !token.startsWith('-') || token === '-') {
      kept.push(token);
      continue;
    }
    const option = findOption(options, token);
    if (option) {
      kept.push(token);
      // a value-taking option given as `--folder X` keeps its value with it
      if ((option.required || option.optional) && !token.includes('=') && i + 1 < argv.length) {
        const next = argv[i + 1] as string;
        if (option.required || !next.startsWith('-')) kept.push(argv[++i] as string);
      }
      continue;
    }
    if (OPTION_WORD.test(token)) kept.push(token);
    else moved.push(token);
  }
  return moved.length > 0 ? [...kept, '--', ...moved] : kept;
}
