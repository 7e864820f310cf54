import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import type { CliContext } from '../context.js';

/** `mailbridge doctor RESOURCE`: each check with pass/fail and the fix; exit 1 when one fails. */
export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program.command('doctor')
    .description('diagnose a mail resource: token claims, DNS, TLS, capabilities, auth mechanisms, login')
    .argument('<resource>')
    .action(async (name: string) => {
      const store = await ctx.store();
      const resource = await store.getResource(name);
      if (!resource) {
        throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', message: `no resource named "${name}"`, hint: 'list them with `mailbridge resource list`', field: 'resource' });
      }
      const { runDoctor } = await import('../../doctor/run.js');
      const { formatDoctorReport } = await import('../../doctor/check.js');
      const report = await runDoctor({ resource, store, tokens: await ctx.tokens(), logger: ctx.logger });
      if (ctx.json()) ctx.printJson(report);
      else ctx.print(formatDoctorReport(report));
      if (!report.ok) process.exitCode = 1;
    });
}
