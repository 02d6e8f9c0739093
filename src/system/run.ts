import { execFile, spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment systemd's tools get: no colours, no pager, stable output. */
export function toolEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '', SYSTEMD_LESS: '', LC_ALL: 'C.UTF-8', PAGER: 'cat' };
}

/**
 * Runs a program (never through a shell) and collects its output. Never
 * rejects for a non-zero exit; a program that cannot be started at all gives
 * code 127 and the reason in stderr.
 */
export function run(file: string, args: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env: toolEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0 },
      (err, stdout, stderr) => {
        if (err && typeof err.code === 'string') {
          resolve({ code: 127, stdout: stdout ?? '', stderr: `${stderr ?? ''}${file}: ${err.message}` });
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout ?? '', stderr: stderr ?? '' });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs a program with this process's stdio (journalctl -f): resolves with its exit code. */
export function runInherited(file: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'inherit', env: toolEnv() });
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 0 : 1)));
  });
}
