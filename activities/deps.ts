// What activity factories receive: their clients, built once per worker process.
import type Docker from 'dockerode';
import type pg from 'pg';
import type { Settings } from '../infra/settings.ts';

export interface ActivityDeps {
  pool: pg.Pool;
  settings: Settings;
  /** Present on workers that run containers (rollout role). */
  docker?: Docker;
}
