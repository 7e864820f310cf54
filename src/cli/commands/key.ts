import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `mailbridge key rotate`: the sealing key of secrets and tokens at rest, replaced. */
export function registerKeyCommand(program: Command, ctx: CliContext): void {
  const key = program.command('key').description('the sealing key that protects stored secrets and tokens');
  key
    .command('rotate')
    .description('seal every stored secret and token with a new key, in one transaction (stop the service first)')
    .option(
      '--new-key-stdin',
      'read the new key (base64 of 32 bytes) from stdin; required when MAILBRIDGE_KEY holds the key',
    )
    .action(async (o: { newKeyStdin?: boolean }) => {
      const newKeyText = o.newKeyStdin ? await readStdin() : undefined;
      const { rotateSealingKey } = await import('../../store/rotate-key.js');
      const r = await rotateSealingKey({
        home: ctx.home,
        env: process.env,
        ...(newKeyText !== undefined ? { newKeyText } : {}),
      });
      if (ctx.json()) return ctx.printJson(r);
      ctx.print(
        r.keyFile
          ? `re-sealed ${r.resealed} value(s); ${r.keyFile} holds the new key`
          : `re-sealed ${r.resealed} value(s); set MAILBRIDGE_KEY to the new key on every instance ` +
            'before starting them',
      );
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
