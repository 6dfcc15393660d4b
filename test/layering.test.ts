import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './support/fixtures.js';

const run = promisify(execFile);

/** `npm run lint`'s layering check, on the tree in `cwd`: its exit code and what it printed. */
async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(
      repoPath('node_modules/.bin/depcruise'),
      ['shared', 'functions', '--config', '.dependency-cruiser.cjs'],
      { cwd },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** A tree of a few files, with the repository's rules and compiler settings. */
async function treeWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-layering-'));
  for (const name of ['.dependency-cruiser.cjs', 'tsconfig.json'])
    await copyFile(repoPath(name), join(dir, name));
  for (const [path, text] of Object.entries({ 'functions/.keep.ts': 'export {};\n', ...files })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('the layering lint', () => {
  const made: string[] = [];
  let upward: string;
  let cycle: string;
  let crossProvider: string;
  beforeAll(async () => {
    upward = await treeWith({
      'shared/domain/operation.ts':
        "import type { Pipeline } from '../operations/pipeline.js';\nexport type Op = Pipeline;\n",
      'shared/operations/pipeline.ts': 'export type Pipeline = { run(): void };\n',
    });
    cycle = await treeWith({
      'shared/operations/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'shared/operations/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    crossProvider = await treeWith({
      'shared/providers/huawei/huawei-client.ts':
        "import { sign } from '../alibaba/alibaba-signer.js';\nexport const c = sign;\n",
      'shared/providers/alibaba/alibaba-signer.ts': 'export const sign = () => 1;\n',
    });
    made.push(upward, cycle, crossProvider);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('passes on the repository as it is', async () => {
    const { code, output } = await cruise(repoPath(''));
    expect(output).toContain('no dependency violations');
    expect(code).toBe(0);
  }, 60_000);

  it('fails on an import that runs up the layers, even a type-only one, naming the rule', async () => {
    const { code, output } = await cruise(upward);
    expect(code).not.toBe(0);
    expect(output).toContain(
      'domain-imports-only-below: shared/domain/operation.ts → shared/operations/pipeline.ts',
    );
  }, 60_000);

  it('fails on an import cycle', async () => {
    const { code, output } = await cruise(cycle);
    expect(code).not.toBe(0);
    expect(output).toContain('no-cycles');
  }, 60_000);

  it("fails when one provider's folder reaches into another's", async () => {
    const { code, output } = await cruise(crossProvider);
    expect(code).not.toBe(0);
    expect(output).toContain('a-provider-is-one-folder');
  }, 60_000);
});
