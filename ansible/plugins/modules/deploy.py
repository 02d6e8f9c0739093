#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the nodeunit repository)
from __future__ import annotations

DOCUMENTATION = r'''
module: deploy
short_description: Deploy a release of a nodeunit app, with automatic rollback
description:
  - 'Runs C(nodeunit deploy NAME SRC --json) on the host - the release goes to /var/lib/nodeunit/NAME/releases/, C(current) switches to it atomically, the instances restart one at a time, each ready before the next.'
  - 'C(changed) only when the content differs from the current release.'
  - 'When the first restarted instance does not become ready (or O(check_url) does not answer 2xx), nodeunit switches back to the previous release by itself, and this task fails the host, so a C(serial) play stops there.'
  - 'With the action plugin of the same name, O(src) is a tarball on the controller, copied to the host first; with O(remote_src=true) it is a directory or tarball already on the host.'
  - 'Check mode runs C(nodeunit deploy NAME SRC --dry-run --json): the content hash of O(src) compared with the current release (and whether every instance runs it) decides C(changed); nothing under /var/lib/nodeunit changes and nothing restarts. The tarball still goes to a temporary directory on the host, removed afterwards, since the hash is taken there.'
version_added: 0.1.0
options:
  name:
    description: 'The app name.'
    type: str
    required: true
  src:
    description: 'The release (tarball on the controller, or with O(remote_src) a directory or tarball on the host).'
    type: path
    required: true
  remote_src:
    description: 'O(src) is on the host.'
    type: bool
    default: false
  keep:
    description: 'Releases kept on disk.'
    type: int
    default: 5
  check_url:
    description: 'A URL the first restarted instance must answer with 2xx, e.g. http://127.0.0.1:8080/health.'
    type: str
  check_timeout:
    description: 'Seconds for O(check_url).'
    type: int
    default: 10
  nodeunit:
    description: 'The nodeunit executable.'
    type: path
    default: /usr/bin/nodeunit
attributes:
  check_mode: {support: full}
  diff_mode: {support: none}
author: nodeunit developers
'''

EXAMPLES = r'''
- name: Deploy v2, one host at a time
  nodeunit.nodeunit.deploy:
    name: web
    src: build/web-v2.tgz
'''

RETURN = r'''
release: {description: The release id now deployed (or the one that failed)., returned: always, type: str}
previous: {description: The release current pointed at before., returned: always, type: str}
rolled_back: {description: The new release failed and current went back to the previous one., returned: always, type: bool}
hash: {description: The content hash of O(src) (check mode)., returned: check mode, type: str}
instances_to_restart: {description: The instances the deploy would restart (check mode)., returned: check mode, type: list}
instances: {description: Each instance with its release and PID., returned: always, type: list}
journal: {description: The failed instance's last journal lines., returned: on failure, type: list}
'''

import json

from ansible.module_utils.basic import AnsibleModule


def one_line(stderr):
    for line in reversed([l for l in (stderr or '').splitlines() if l.strip()]):
        if line.startswith('nodeunit: '):
            return line[len('nodeunit: '):]
    lines = [l for l in (stderr or '').splitlines() if l.strip()]
    return lines[-1] if lines else 'nodeunit deploy failed without a message'


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            src=dict(type='path', required=True),
            remote_src=dict(type='bool', default=False),
            keep=dict(type='int', default=5),
            check_url=dict(type='str'),
            check_timeout=dict(type='int', default=10),
            nodeunit=dict(type='path', default='/usr/bin/nodeunit'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if module.check_mode:
        rc, out, err = module.run_command([p['nodeunit'], 'deploy', p['name'], p['src'], '--dry-run', '--json'], environ_update={'LC_ALL': 'C.UTF-8'}, expand_user_and_vars=False)
        if rc != 0:
            module.fail_json(msg=one_line(err), rc=rc, stderr=err, changed=False)
        res = json.loads(out)
        module.exit_json(changed=res['changed'], release=res['release'], previous=res['previous'], rolled_back=False,
                         hash=res['hash'], instances_to_restart=res['instancesToRestart'])
    argv = [p['nodeunit'], 'deploy', p['name'], p['src'], '--json', '--keep', str(p['keep'])]
    if p['check_url']:
        argv += ['--check', p['check_url'], '--check-timeout', str(p['check_timeout'])]
    rc, out, err = module.run_command(argv, environ_update={'LC_ALL': 'C.UTF-8'}, expand_user_and_vars=False)
    try:
        res = json.loads(out)
    except ValueError:
        res = None
    if rc != 0:
        extra = {}
        if res:
            extra = dict(release=res.get('release'), previous=res.get('previous'), rolled_back=res.get('rolledBack'),
                         failed_instance=res.get('failedInstance'), journal=res.get('journal'), instances=res.get('instances'))
        module.fail_json(msg=one_line(err), rc=rc, stderr=err, changed=bool(res and res.get('rolledBack')), **extra)
    module.exit_json(changed=res['changed'], release=res['release'], previous=res['previous'], rolled_back=False,
                     instances=res['instances'], pruned=res['pruned'], progress=err)


if __name__ == '__main__':
    main()
