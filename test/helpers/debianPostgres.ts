// Debian's Postgres server (package postgresql-15) in a temp dir, set up the way the postgres image's entrypoint sets
// up the compose stack's: the superuser and its password from POSTGRES_USER / POSTGRES_PASSWORD, a database of the
// superuser's name, password (SCRAM) authentication over TCP, trust on the local socket (which the image's init
// scripts use). Run as user postgres when we are root (Postgres refuses root).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BIN_ROOT = '/usr/lib/postgresql';

export interface DebianPg {
  port: number;
  /** The socket directory (psql -h). */
  socketDir: string;
  stop(): void;
}

function binDir(): string {
  const versions = existsSync(BIN_ROOT) ? readdirSync(BIN_ROOT).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(BIN_ROOT, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (!found) throw new Error(`no Debian Postgres server under ${BIN_ROOT}: run \`bash infra/bootstrap.sh --test\``);
  return found;
}

export function startDebianPostgres(o: { dir: string; port: number; user: string; password: string }): DebianPg {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const asPg = (cmd: string, args: string[]) =>
    execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  const data = join(o.dir, 'pgdata');
  const socketDir = join(o.dir, 'socket');
  mkdirSync(data, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  chmodSync(o.dir, 0o755); // mkdtemp makes 0700 dirs: user postgres must reach the data and the socket
  const pwfile = join(o.dir, 'pwfile');
  writeFileSync(pwfile, `${o.password}\n`);
  if (root) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    for (const p of [data, socketDir]) chownSync(p, id('-u'), id('-g'));
    chownSync(pwfile, id('-u'), id('-g'));
  }
  asPg(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    o.user,
    `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
  ]);
  const opts = `-p ${o.port} -k ${socketDir} -c listen_addresses=127.0.0.1`;
  asPg(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(socketDir, 'postgres.log'), '-w', 'start']);
  execFileSync('psql', [
    '-h',
    socketDir,
    '-p',
    String(o.port),
    '-U',
    o.user,
    '-d',
    'postgres',
    '-c',
    `create database ${o.user}`,
  ]);
  return {
    port: o.port,
    socketDir,
    stop: () => asPg(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
}
