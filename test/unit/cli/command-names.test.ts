import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../../src/cli/command-names';
import { COMMANDS } from '../../../src/cli/commands';

describe('COMMAND_NAMES', () => {
  it('lists exactly the registered commands', () => {
    const registered = COMMANDS.map((c) => String(Array.isArray(c.command) ? c.command[0] : c.command).split(/\s+/)[0]);
    expect([...COMMAND_NAMES].sort()).toEqual(registered.sort());
  });
});
