/** The option parsers: durations, priorities and whole numbers, accepted and refused. */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { integerIn, parseDuration, parsePriority } from '../../src/adapters/cli/parse.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1.5s', 1500],
    [' 10S ', 10_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30', '', 's', '-5s', '5 minutes', '1e3ms', '9999999999999999d'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
  });
});

describe('parsePriority', () => {
  it.each([
    ['critical', 1],
    ['HIGH', 3],
    ['normal', 5],
    ['low', 8],
    ['1', 1],
    ['10', 10],
  ])('reads %s as %d', (text, priority) => {
    expect(parsePriority(text)).toBe(priority);
  });

  it.each(['0', '11', 'urgent', '2.5', '-1', ''])('refuses %j', (text) => {
    expect(() => parsePriority(text)).toThrow(/critical, high, normal, low or a whole number 1\.\.10/);
  });
});

describe('integerIn', () => {
  it('accepts whole numbers within the range and refuses the rest', () => {
    const parse = integerIn(1, 5);
    expect(parse('1')).toBe(1);
    expect(parse('5')).toBe(5);
    for (const bad of ['0', '6', '2.0', 'two', '']) expect(() => parse(bad)).toThrow(/from 1 to 5/);
  });
});
