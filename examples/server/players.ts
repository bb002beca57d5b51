/**
 * The media players the example server keeps in sync, from the environment: a JSON list in
 * the form `phaseq scan --players` reads, given as a file (`PHASEQ_PLAYERS_FILE`) or as
 * text (`PHASEQ_PLAYERS`). None by default. `createMediaPlugin` checks each entry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PlayerConfig } from '../../src/media/index.js';

/**
 * Reads the players from `env`.
 *
 * @throws Error naming the variable when both are set, the file cannot be read, or the
 *   text is not a JSON array
 */
export function playersFromEnv(env: NodeJS.ProcessEnv): PlayerConfig[] {
  const file = env['PHASEQ_PLAYERS_FILE'] || undefined;
  const text = env['PHASEQ_PLAYERS'] || undefined;
  if (file && text) throw new Error('Set PHASEQ_PLAYERS_FILE or PHASEQ_PLAYERS, not both');
  let source: string;
  let json: string;
  if (file) {
    source = `PHASEQ_PLAYERS_FILE (${path.resolve(file)})`;
    try {
      json = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`${source} cannot be read: ${(error as Error).message}`);
    }
  } else if (text) {
    source = 'PHASEQ_PLAYERS';
    json = text;
  } else {
    return [];
  }
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(list)) throw new Error(`${source} must be a JSON array of players ([{ "kind": "kodi", ... }])`);
  // Each entry's kind, name and uniqueness are checked by createMediaPlugin.
  return list as PlayerConfig[];
}
