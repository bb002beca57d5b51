import { describe, expect, it } from 'vitest';
import { mapPath, parentDirectory, withTrailingSeparator } from '../../../src/media/players/pathMap.js';

describe('mapPath', () => {
  const mappings = [
    { from: '/srv', to: '/mnt/srv' },
    { from: '/srv/media/movies/', to: 'smb://nas/movies' },
    { from: '/srv/media', to: 'nfs://nas/media/' },
  ];

  it('uses the longest matching prefix, whatever the order of the mappings', () => {
    expect(mapPath('/srv/media/movies/Heat (1995)', mappings)).toBe('smb://nas/movies/Heat (1995)');
    expect(mapPath('/srv/media/movies/Heat (1995)', [...mappings].reverse())).toBe('smb://nas/movies/Heat (1995)');
    expect(mapPath('/srv/media/tv/Show', mappings)).toBe('nfs://nas/media/tv/Show');
    expect(mapPath('/srv/other/x', mappings)).toBe('/mnt/srv/other/x');
  });

  it('matches whole segments only and leaves unmatched paths alone', () => {
    expect(mapPath('/srv/media/movies2/X', mappings)).toBe('nfs://nas/media/movies2/X');
    expect(mapPath('/srvx/a', mappings)).toBe('/srvx/a');
    expect(mapPath('/data/a', [])).toBe('/data/a');
    expect(mapPath('/data/a')).toBe('/data/a');
  });

  it('maps the prefix itself, with or without a trailing slash', () => {
    expect(mapPath('/srv/media/movies', mappings)).toBe('smb://nas/movies');
    expect(mapPath('/srv/media/movies/', mappings)).toBe('smb://nas/movies');
  });

  it('writes Windows targets with backslashes', () => {
    expect(mapPath('/srv/movies/Heat (1995)/', [{ from: '/srv/movies', to: 'D:\\Movies' }])).toBe('D:\\Movies\\Heat (1995)');
  });
});

describe('withTrailingSeparator and parentDirectory', () => {
  it('end directories with the separator of their notation', () => {
    expect(withTrailingSeparator('/data/movies')).toBe('/data/movies/');
    expect(withTrailingSeparator('smb://nas/movies/')).toBe('smb://nas/movies/');
    expect(withTrailingSeparator('D:\\Movies')).toBe('D:\\Movies\\');
  });

  it('climb one level but never above a URL authority', () => {
    expect(parentDirectory('/data/movies/Heat (1995)')).toBe('/data/movies/');
    expect(parentDirectory('/data/movies/Heat (1995)/')).toBe('/data/movies/');
    expect(parentDirectory('smb://nas/movies/Heat/')).toBe('smb://nas/movies/');
    expect(parentDirectory('D:\\Movies\\Heat')).toBe('D:\\Movies\\');
    expect(parentDirectory('smb://nas/')).toBe('smb://nas/');
  });
});
