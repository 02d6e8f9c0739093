import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installedApp, instanceNumbersIn, socketUnitsOf } from '../../../src/system/app-state.js';
import { renderSysusers } from '../../../src/system/sysusers.js';
import {
  applyPlan,
  dependencyRank,
  describePlan,
  existingAppFiles,
  generatedForApp,
  isAppUnitFileName,
  lineDiff,
  listApps,
  planChanged,
  planUnitFiles,
  writeFileAtomic,
} from '../../../src/system/unit-files.js';
import { renderApp } from '../../../src/units/index.js';
import { defaultSpec } from '../units/fixtures.js';

let dir: string;
let vendor: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodeunit-unitdir-'));
  vendor = mkdtempSync(join(tmpdir(), 'nodeunit-vendor-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(vendor, { recursive: true, force: true });
});

const files = (over = {}) => renderApp(defaultSpec({ instances: 4, ports: [{ port: 8080 }], ...over }));
const plan = (rendered = files(), force = false) => planUnitFiles('myapp', rendered, { dir, vendorDirs: [vendor], force });
const write = (rendered = files()) => applyPlan(plan(rendered));

describe('planUnitFiles / applyPlan', () => {
  it('a first enable writes every file; the same enable again changes nothing', () => {
    const first = plan();
    expect(first.writes.map((w) => [w.path.slice(dir.length + 1), w.state])).toEqual([
      ['myapp.target', 'new'],
      ['myapp@.service', 'new'],
      ['myapp-8080.socket', 'new'],
    ]);
    applyPlan(first);
    expect(readdirSync(dir).sort()).toEqual(['myapp-8080.socket', 'myapp.target', 'myapp@.service']);
    const again = plan();
    expect(again.writes.every((w) => w.state === 'unchanged')).toBe(true);
    expect(again.removals).toEqual([]);
    expect(planChanged(again)).toBe(false);
  });

  it('a changed enable: changed files, removed sockets, and a diff of the directives', () => {
    write();
    const next = plan(files({ ports: [{ port: 9090 }], env: [['GREETING', 'hi']] }));
    expect(next.writes.map((w) => [w.path.slice(dir.length + 1), w.state])).toEqual([
      ['myapp.target', 'unchanged'],
      ['myapp@.service', 'changed'],
      ['myapp-9090.socket', 'new'],
    ]);
    expect(next.removals.map((r) => r.path.slice(dir.length + 1))).toEqual(['myapp-8080.socket']);
    const text = describePlan(next).join('\n');
    expect(text).toContain('+ Environment=GREETING=hi');
    expect(text).toContain('- Requires=myapp-8080.socket');
    expect(text).toContain(`- ${join(dir, 'myapp-8080.socket')}`);
    applyPlan(next);
    expect(readdirSync(dir).sort()).toEqual(['myapp-9090.socket', 'myapp.target', 'myapp@.service']);
  });

  it('the undo restores every file to what it was', () => {
    write();
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    const undo = applyPlan(plan(files({ ports: [{ port: 9090 }], balance: 'reuseport' })));
    expect(readdirSync(dir).sort()).toEqual(['myapp-9090@.socket', 'myapp.target', 'myapp@.service']);
    undo();
    expect(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]))).toEqual(before);
  });

  it('refuses to overwrite a unit file nodeunit did not write, or another app\'s, unless forced', () => {
    writeFileSync(join(dir, 'myapp.target'), '[Unit]\nDescription=mine\n');
    expect(() => plan()).toThrow(/myapp\.target exists and was not written by nodeunit for app 'myapp'; .*--force/);
    expect(plan(files(), true).writes[0].state).toBe('changed');
    writeFileSync(join(dir, 'myapp.target'), files()[0].content.replace("app 'myapp'", "app 'other'"));
    expect(() => plan()).toThrow(/not written by nodeunit for app 'myapp'/);
  });

  it('refuses to shadow a vendor unit of the same name', () => {
    writeFileSync(join(vendor, 'myapp.target'), '[Unit]\n');
    expect(() => plan()).toThrow(new RegExp(`${vendor}/myapp.target exists`));
  });

  it('never plans to remove files of another app with a similar name', () => {
    write();
    applyPlan(planUnitFiles('myapp-1', renderApp(defaultSpec({ name: 'myapp-1', ports: [{ port: 80 }] })), { dir, vendorDirs: [] }));
    expect(plan().removals).toEqual([]);
    expect(existingAppFiles('myapp', dir).map((f) => f.name)).toEqual(['myapp-8080.socket', 'myapp.target', 'myapp@.service']);
    expect(listApps(dir)).toEqual(['myapp', 'myapp-1']);
  });
});

describe('names and markers', () => {
  it('generatedForApp', () => {
    expect(generatedForApp(files()[0].content)).toBe('myapp');
    expect(generatedForApp('[Unit]\n')).toBeUndefined();
  });
  it('isAppUnitFileName', () => {
    for (const f of ['myapp.target', 'myapp@.service', 'myapp-8080.socket', 'myapp-8080@.socket']) expect(isAppUnitFileName('myapp', f)).toBe(true);
    for (const f of ['myapp-1.target', 'myapp-1-80.socket', 'myapp-x.socket', 'myapp@1.service', 'other.target']) expect(isAppUnitFileName('myapp', f)).toBe(false);
  });
  it('lineDiff ignores comments and order-preserving duplicates', () => {
    expect(lineDiff('# a\nA=1\nB=2\n', '# b\nA=1\nB=3\n')).toEqual(['- B=2', '+ B=3']);
  });
});

describe('installedApp', () => {
  it('instances from the target .wants/, ports and balance from the socket files', () => {
    write(files({ ports: [{ port: 8080 }, { port: 9090 }], balance: 'reuseport' }));
    mkdirSync(join(dir, 'myapp.target.wants'));
    for (const u of ['myapp@1.service', 'myapp@3.service', 'myapp@2.service', 'myapp-8080@1.socket', 'myapp-1@1.service']) {
      symlinkSync(join(dir, u.replace(/@\d+/, '@')), join(dir, 'myapp.target.wants', u));
    }
    const app = installedApp('myapp', dir)!;
    expect(app).toMatchObject({ name: 'myapp', instances: [1, 2, 3], ports: [8080, 9090], balance: 'reuseport' });
    expect(socketUnitsOf(app, 2)).toEqual(['myapp-8080@2.socket', 'myapp-9090@2.socket']);
    expect(installedApp('nope', dir)).toBeUndefined();
  });
  it('instanceNumbersIn', () => {
    expect(instanceNumbersIn('a', ['a@1.service', 'a@10.service', 'a@02.service', 'a@x.service', 'ab@3.service', 'a@2.socket'])).toEqual([1, 10]);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file behind', () => {
    const path = join(dir, 'sub', 'f.conf');
    writeFileAtomic(path, 'one\n');
    writeFileAtomic(path, 'two\n');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['f.conf']);
  });
});

describe('sysusers', () => {
  it('one u line, marked as generated', () => {
    expect(renderSysusers('web', 'web')).toBe(
      "# Generated by nodeunit for app 'web'. Removed by 'nodeunit disable web --purge' (the user itself stays).\nu web - \"nodeunit app web\"\n",
    );
  });
});

describe('dependencyRank', () => {
  it('writes env files and sockets before services, timers and path units after, the target last', () => {
    const files = ['/x/k.target', '/x/k@.service', '/x/k-restart.timer', '/x/k-8080.socket', '/etc/nodeunit/k.env', '/x/k-watch.path'];
    expect([...files].sort((a, b) => dependencyRank(a) - dependencyRank(b))).toEqual([
      '/etc/nodeunit/k.env',
      '/x/k-8080.socket',
      '/x/k@.service',
      '/x/k-restart.timer',
      '/x/k-watch.path',
      '/x/k.target',
    ]);
  });
});
