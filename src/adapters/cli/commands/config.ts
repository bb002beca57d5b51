/**
 * `phaseq config get [phase] | set <key> <value> | reset [phase] | describe`: the phase
 * settings, with the same validation, coercion and messages as the library API (the
 * value of `set` is text, coerced as `PhaseConfigService.set` coerces strings).
 */
import type { Command } from 'commander';
import { quietLogger, withDb, withJson, type DbOptions, type JsonOptions } from '../common.js';
import { openContext, type CliContext } from '../context.js';
import type { PhaseName } from '../../../media/phases.js';
import { formatTable, println, printJson } from '../output.js';

// The service checks the phase name at run time (a ValidationError naming the phases it
// knows); the cast only lets typed-in text reach that check.
const asPhase = (name: string): PhaseName => name as PhaseName;

async function withContext(options: DbOptions, fn: (ctx: CliContext) => Promise<void>): Promise<void> {
  const ctx = await openContext({ db: options.db, logger: quietLogger(options) });
  try {
    await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** `phase.key = value` lines, values as JSON so that strings, lists and numbers read unambiguously. */
function settingLines(config: Record<string, unknown>, phase: string): string[] {
  return Object.entries(config).map(([key, value]) => `${phase}.${key} = ${JSON.stringify(value)}`);
}

/** Registers `config` and its subcommands. */
export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('read and change the phase settings');

  const get = config.command('get').description('settings of every phase, or of one').argument('[phase]', 'phase name');
  withJson(withDb(get)).action((phase: string | undefined, options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      if (phase !== undefined) {
        const values = (await ctx.phases.getConfig(asPhase(phase))) as Record<string, unknown>;
        if (options.json) printJson(values);
        else println(settingLines(values, phase).join('\n'));
        return;
      }
      const all = (await ctx.phases.getAll()) as Record<string, Record<string, unknown>>;
      if (options.json) printJson(all);
      else
        println(
          Object.entries(all)
            .flatMap(([p, values]) => settingLines(values, p))
            .join('\n'),
        );
    }),
  );

  const set = config
    .command('set')
    .description('change one setting; the value is coerced like the API does ("4" -> 4, "false" -> false, \'["a"]\' -> ["a"])')
    .argument('<key>', 'phase.setting, e.g. enrichment.maxPoster')
    .argument('<value>', 'new value');
  withJson(withDb(set)).action((key: string, value: string, options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      await ctx.phases.set(key, value);
      const phase = key.replace(/^phase\./, '').split('.')[0] ?? key;
      const field = key
        .replace(/^phase\./, '')
        .split('.')
        .slice(1)
        .join('.');
      const now = ((await ctx.phases.getConfig(asPhase(phase))) as Record<string, unknown>)[field];
      if (options.json) printJson({ key: `${phase}.${field}`, value: now });
      else println(`${phase}.${field} = ${JSON.stringify(now)}`);
    }),
  );

  const reset = config
    .command('reset')
    .description('put every setting of one phase (or of all phases) back to its default')
    .argument('[phase]', 'phase name');
  withJson(withDb(reset)).action((phase: string | undefined, options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      await ctx.phases.resetToDefaults(phase === undefined ? undefined : asPhase(phase));
      if (options.json) printJson({ reset: phase ?? 'all' });
      else println(phase === undefined ? 'Every phase is back to its defaults.' : `Phase ${phase} is back to its defaults.`);
    }),
  );

  const describe = config.command('describe').description('every phase setting with its type, default and range');
  withJson(withDb(describe)).action((options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      const phases = ctx.phases.describe();
      if (options.json) {
        printJson(phases);
        return;
      }
      const rows = phases.flatMap((p) =>
        p.fields.map((f) => {
          const range = f.options
            ? f.options.join('|')
            : f.min !== undefined || f.max !== undefined
              ? `${f.min ?? ''}..${f.max ?? ''}`
              : '';
          const shown = JSON.stringify(f.default);
          return [f.setting, f.type, shown.length > 40 ? `${shown.slice(0, 39)}…` : shown, range, f.description];
        }),
      );
      println(formatTable(['SETTING', 'TYPE', 'DEFAULT', 'RANGE', 'DESCRIPTION'], rows));
    }),
  );
}
