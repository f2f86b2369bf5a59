// `howold serve` as a child process for the benchmarks, and what its process tree uses (Linux /proc).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Starts `bin/howold.js serve --port 0 ...args` of the checkout `dir` and resolves once it says where it listens. */
export async function startServe(dir: string, args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const root = path.resolve(dir);
  const child = spawn(process.execPath, [path.join(root, 'bin/howold.js'), 'serve', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`${dir}: howold serve exited with code ${code}: ${text}`)));
  });
  return { child, url };
}

/** The sum of `measure(pid)` over a process and all its descendants; a process that ends meanwhile counts 0. */
function overTree(pid: number, measure: (pid: number) => number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      total += measure(p);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const child of children ? children.split(/\s+/) : []) visit(Number(child));
      }
    } catch {
      // the process ended while we looked
    }
  };
  visit(pid);
  return total;
}

/** Resident memory of a process and its descendants, MB. */
export function treeRssMb(pid: number): number {
  return overTree(pid, (p) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0)) / 1024;
}

/** CPU seconds (user + system) of a process and its descendants. */
export function treeCpuSeconds(pid: number): number {
  const ticksPerSecond = 100; // USER_HZ on Linux
  return overTree(pid, (p) => {
    // the process name, in parentheses, may itself hold ') ': the fields start after the last one
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  });
}
