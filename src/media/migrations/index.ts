/**
 * The media plugin's own migrations, tracked under "media" in `plugin_migrations`. A
 * change to the media tables adds one file here with the next number.
 */
import type { Migration } from '../../index.js';
import { mediaMigration } from './001_media.js';
import { playerSyncMigration } from './002_player_sync.js';
import { tvMigration } from './003_tv.js';

/** The media tables (and the media phases' stored defaults), in version order. */
export const MEDIA_MIGRATIONS: readonly Migration[] = [mediaMigration, playerSyncMigration, tvMigration];
