/**
 * The files a Sonarr event changed, as Sonarr names them (its own view of the paths,
 * before path mapping): the imported episode file and the files an upgrade replaced
 * (`Download`), both names of every renamed file (`Rename`), the deleted file
 * (`EpisodeFileDelete`), the series folder (`SeriesDelete`). A TV scan of exactly these
 * then adds, changes or removes just those episodes.
 *
 * Paths are `series.path` joined with each `relativePath` (Sonarr's `WebhookEpisodeFile`
 * builds its `path` the same way). A relative path with a `..` segment is refused: it
 * would name a file outside the series folder.
 */
import { ValidationError } from '../../errors.js';
import type { SonarrWebhook } from './webhookSchemas.js';

/** Joins Sonarr's series folder and a relative path with the folder's own separator. */
function join(folder: string, relative: string, field: string): string {
  const segments = relative.split(/[\\/]+/).filter((s) => s !== '');
  if (segments.includes('..') || segments.includes('.')) {
    throw new ValidationError(`Not a Sonarr webhook payload: ${field} must stay inside the series folder`, [
      { path: field, message: 'must not contain "." or ".." segments' },
    ]);
  }
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return `${folder.replace(/[\\/]+$/, '')}${sep}${segments.join(sep)}`;
}

/**
 * The paths (Sonarr's view) an event changed, or null for events that change no file.
 *
 * @throws ValidationError for a relative path that leaves the series folder
 * @example
 * ```ts
 * sonarrChangedPaths(download); // ['/tv/Show One/Season 01/Show One - S01E01 - Pilot.mkv']
 * ```
 */
export function sonarrChangedPaths(event: SonarrWebhook): string[] | null {
  switch (event.eventType) {
    case 'Download': {
      const folder = event.series.path;
      // One file ("On Import"), or several when Sonarr reports a whole import at once.
      const imported = event.episodeFile ? [event.episodeFile] : (event.episodeFiles ?? []);
      const paths = imported.map((f, i) =>
        join(folder, f.relativePath, event.episodeFile ? 'episodeFile.relativePath' : `episodeFiles.${i}.relativePath`),
      );
      (event.deletedFiles ?? []).forEach((f, i) => paths.push(join(folder, f.relativePath, `deletedFiles.${i}.relativePath`)));
      return paths;
    }
    case 'Rename': {
      const folder = event.series.path;
      const paths: string[] = [];
      (event.renamedEpisodeFiles ?? []).forEach((f, i) => {
        paths.push(join(folder, f.relativePath, `renamedEpisodeFiles.${i}.relativePath`));
        if (f.previousRelativePath) paths.push(join(folder, f.previousRelativePath, `renamedEpisodeFiles.${i}.previousRelativePath`));
      });
      // A rename event without its file list: the series folder covers it.
      return paths.length > 0 ? paths : [folder];
    }
    case 'EpisodeFileDelete':
      return [join(event.series.path, event.episodeFile.relativePath, 'episodeFile.relativePath')];
    case 'SeriesDelete':
      return [event.series.path];
    default:
      return null;
  }
}
