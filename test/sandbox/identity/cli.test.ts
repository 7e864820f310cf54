import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { postForm } from './support.js';

const MAIN = join(import.meta.dirname, '../../../src/cli/main.ts');

/** Run `mailbridge …` (through tsx) and collect its output. */
function mailbridge(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, MAILBRIDGE_HOME: home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mailbridge sandbox (CLI)', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mb-cli-sandbox-'));
  });
  after(() => rm(home, { recursive: true, force: true }));

  it('export-ca writes the same CA each time (kept in the data dir)', async () => {
    const file = join(home, 'ca.pem');
    const r = await mailbridge(['sandbox', 'export-ca', file], home);
    assert.equal(r.code, 0, r.stderr);
    const pem = await readFile(file, 'utf8');
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    const again = await mailbridge(['sandbox', 'export-ca'], home);
    assert.equal(again.stdout, pem);
  });

  it('refuses a non-loopback --host with a one-line error and a fix', async () => {
    const r = await mailbridge(['sandbox', '--host', '0.0.0.0'], home);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^mailbridge: --host 0\.0\.0\.0 is not a loopback address \(SANDBOX_HOST_NOT_LOOPBACK\)\. Fix: /);
  });

  it('runs in the foreground, prints its URLs and the sandbox secret, serves tokens, stops on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--json', 'sandbox'], { env: { ...process.env, MAILBRIDGE_HOME: home } });
    try {
      let out = '';
      const info = await new Promise<{ url: string; endpoints: { token: string }; apps: { clientId: string; secrets: string[] }[]; note: string }>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          try {
            resolve(JSON.parse(out));
          } catch {
            // not all of it yet
          }
        });
        child.on('close', (code) => reject(new Error(`exited ${code}`)));
      });
      assert.match(info.note, /sandbox value/);
      const web = info.apps[0]!;
      assert.deepEqual(web.secrets, ['sandbox-secret-value-1234567890']);
      const r = await postForm(info.endpoints.token, { grant_type: 'client_credentials', client_id: web.clientId, client_secret: web.secrets[0]!, scope: 'https://outlook.office365.com/.default' });
      assert.equal(r.status, 200);
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      assert.equal(await closed, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
