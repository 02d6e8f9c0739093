#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the nodeunit repository)
from __future__ import annotations

DOCUMENTATION = r'''
module: app
short_description: A Node.js app as systemd units, through nodeunit
description:
  - 'Runs C(nodeunit enable) (state C(started)), C(nodeunit stop) (C(stopped)), C(nodeunit disable) (C(absent)) or C(nodeunit enable) followed by C(nodeunit reload) (C(reloaded)) on the host.'
  - 'Idempotent: C(nodeunit enable --check --json) tells whether anything would change or start; when nothing would, the task reports C(changed=false) and does nothing.'
  - 'Parameters are passed to nodeunit as they are; nodeunit validates them, and a bad one fails the task with the one-line error nodeunit prints before anything on the host changes.'
version_added: 0.1.0
options:
  name:
    description: 'The app name (units NAME@N.service, NAME.target).'
    type: str
    required: true
  script:
    description: 'The entry script: absolute, or relative to the release with O(release_dir)'
    type: str
  args:
    description: 'Arguments for the app, passed after C(--).'
    type: list
    elements: str
    default: []
  instances:
    description: 'Number of instances.'
    type: int
  port:
    description: 'Ports systemd listens on: C(8080), C(addr:8080).'
    type: list
    elements: str
    default: []
  env:
    description: 'Environment variables.'
    type: dict
    default: {}
  env_file:
    description: 'An environment file systemd reads at every start.'
    type: path
  user:
    description: 'The user the app runs as (default a system user named after the app).'
    type: str
  node:
    description: 'The node binary.'
    type: path
  memory_max:
    description: 'MemoryMax= per instance, e.g. C(512M).'
    type: str
  cpu_quota:
    description: 'CPUQuota= per instance in percent of one CPU.'
    type: str
  watchdog:
    description: 'Watchdog seconds (0 = off).'
    type: int
  ready:
    description: 'When an instance is ready: listen, manual or start.'
    type: str
  balance:
    description: 'shared or reuseport.'
    type: str
  release_dir:
    description: 'Run from /var/lib/nodeunit/NAME/current, the release C(nodeunit deploy) switches.'
    type: bool
    default: false
  state:
    description: 'What to do.'
    type: str
    default: started
    choices: [started, stopped, absent, reloaded]
  nodeunit:
    description: 'The nodeunit executable.'
    type: path
    default: /usr/bin/nodeunit
attributes:
  check_mode: {support: full}
  diff_mode: {support: full}
author: nodeunit developers
'''

EXAMPLES = r'''
- name: The web app, 4 instances on port 8080, from the deployed release
  nodeunit.nodeunit.app:
    name: web
    script: server.js
    release_dir: true
    instances: 4
    port: 8080
    env: {PORT: "8080"}
'''

RETURN = r'''
plan: {description: "What C(nodeunit enable --check --json) said.", returned: state is started or reloaded, type: dict}
status: {description: "C(nodeunit status NAME --json) after the change.", returned: changed and not check mode, type: dict}
'''

import json

from ansible.module_utils.basic import AnsibleModule


def one_line(stderr, stdout=''):
    """nodeunit's own error line (`nodeunit: ...`), else the last line of output."""
    lines = [l for l in (stderr or '').splitlines() if l.strip()]
    for line in reversed(lines):
        if line.startswith('nodeunit: '):
            return line[len('nodeunit: '):]
    rest = lines or [l for l in (stdout or '').splitlines() if l.strip()]
    return rest[-1] if rest else 'nodeunit failed without a message'


def enable_argv(p, *flags):
    """`enable NAME SCRIPT [options] [flags] -- ARGS`: the app's arguments last, after everything of nodeunit's own."""
    argv = ['enable', p['name'], p['script']]
    if p['release_dir']:
        argv.append('--release-dir')
    if p['instances'] is not None:
        argv += ['--instances', str(p['instances'])]
    for port in p['port']:
        argv += ['--port', str(port)]
    for key in sorted(p['env']):
        argv += ['--env', '%s=%s' % (key, p['env'][key])]
    for flag, key in (('--env-file', 'env_file'), ('--user', 'user'), ('--node', 'node'), ('--memory-max', 'memory_max'),
                      ('--cpu-quota', 'cpu_quota'), ('--watchdog', 'watchdog'), ('--ready', 'ready'), ('--balance', 'balance')):
        if p[key] is not None:
            argv += [flag, str(p[key])]
    argv += list(flags)
    if p['args']:
        argv += ['--'] + list(p['args'])
    return argv


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            script=dict(type='str'),
            args=dict(type='list', elements='str', default=[]),
            instances=dict(type='int'),
            port=dict(type='list', elements='str', default=[]),
            env=dict(type='dict', default={}),
            env_file=dict(type='path'),
            user=dict(type='str'),
            node=dict(type='path'),
            memory_max=dict(type='str'),
            cpu_quota=dict(type='str'),
            watchdog=dict(type='int'),
            ready=dict(type='str'),
            balance=dict(type='str'),
            release_dir=dict(type='bool', default=False),
            state=dict(type='str', default='started', choices=['started', 'stopped', 'absent', 'reloaded']),
            nodeunit=dict(type='path', default='/usr/bin/nodeunit'),
        ),
        required_if=[('state', 'started', ['script']), ('state', 'reloaded', ['script'])],
        supports_check_mode=True,
    )
    p = module.params
    nodeunit = p['nodeunit']

    def run(argv):
        # expand_user_and_vars=False: the words go to nodeunit as given ('$HOME' is an app argument, not /root).
        return module.run_command([nodeunit] + argv, environ_update={'LC_ALL': 'C.UTF-8'}, expand_user_and_vars=False)

    def fail(rc, out, err, **extra):
        module.fail_json(msg=one_line(err, out), rc=rc, stdout=out, stderr=err, changed=False, **extra)

    def status():
        rc, out, err = run(['status', p['name'], '--json'])
        return json.loads(out)['apps'][0] if rc == 0 else None

    state = p['state']
    if state in ('started', 'reloaded'):
        argv = enable_argv(p)
        rc, out, err = run(enable_argv(p, '--check', '--json'))
        if rc != 0:
            fail(rc, out, err)
        plan = json.loads(out)
        result = dict(changed=plan['changed'] or state == 'reloaded', plan=plan)
        if module._diff:
            result['diff'] = dict(before=plan['diff']['before'], after=plan['diff']['after'],
                                  before_header='%s units' % p['name'], after_header='%s units' % p['name'])
        if module.check_mode or not result['changed']:
            module.exit_json(**result)
        if plan['changed']:
            rc, out, err = run(argv)
            if rc != 0:
                fail(rc, out, err, plan=plan)
            result['stdout'] = out
        if state == 'reloaded':
            rc, out, err = run(['reload', p['name']])
            if rc != 0:
                fail(rc, out, err, plan=plan)
        result['status'] = status()
        module.exit_json(**result)

    current = status()
    if current is None:
        module.exit_json(changed=False, msg='no app %s on this host' % p['name'])
    if state == 'stopped':
        running = [i for i in current['instances'] if i['state'] in ('active', 'activating', 'reloading')]
        if not running:
            module.exit_json(changed=False, status=current)
        if not module.check_mode:
            rc, out, err = run(['stop', p['name']])
            if rc != 0:
                fail(rc, out, err)
        module.exit_json(changed=True, status=None if module.check_mode else status())
    # absent
    if not module.check_mode:
        rc, out, err = run(['disable', p['name']])
        if rc != 0:
            fail(rc, out, err)
    module.exit_json(changed=True)


if __name__ == '__main__':
    main()
