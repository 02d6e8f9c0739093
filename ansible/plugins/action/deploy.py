# -*- coding: utf-8 -*-
# MIT License (see the nodeunit repository)
"""The controller side of nodeunit.nodeunit.deploy: copies a tarball from the
controller to a temporary directory on the host, then runs the module there."""
from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        if boolean(args.get('remote_src', False), strict=False):
            result.update(self._execute_module(module_name='nodeunit.nodeunit.deploy', module_args=args, task_vars=task_vars))
            return result
        src = args.get('src')
        if not src:
            raise AnsibleActionFail('src is required')
        local = self._find_needle('files', src)
        if os.path.isdir(local):
            raise AnsibleActionFail('src %s is a directory on the controller: give a tarball (tar -czf), or copy it to the host and set remote_src: true' % src)
        remote_tmp = self._connection._shell.tmpdir or self._make_tmp_path()
        remote = self._connection._shell.join_path(remote_tmp, os.path.basename(local))
        self._transfer_file(local, remote)
        self._fixup_perms2((remote_tmp, remote))
        args['src'] = remote
        args['remote_src'] = True
        try:
            result.update(self._execute_module(module_name='nodeunit.nodeunit.deploy', module_args=args, task_vars=task_vars))
        finally:
            self._remove_tmp_path(remote_tmp)
        return result
