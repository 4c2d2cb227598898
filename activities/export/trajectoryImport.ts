// Trajectory files of SWE-agent, OpenHands and mini-swe-agent as trajectories in our shape: native tool calls to
// our four tools, every call answered by its observation (a failing status as `[exit code N]`), and the submitted
// patch. A file in which no action is found fails, naming the file, rather than yielding a row without calls.
// docs/export.md ("Importing") lists the versions and modes read, and the fixtures they are tested on. Pure.
import { InputError } from '../../core/errors.ts';
import { isObj, str, type Imported, type Obj } from './importers/common.ts';
import { fromMini } from './importers/mini.ts';
import { fromOpenHands } from './importers/openHands.ts';
import { fromOpenHandsSdk, isSdkEvents } from './importers/openHandsSdk.ts';
import { fromSweAgent } from './importers/sweAgent.ts';
import type { TrajectoryFormat } from './formats.ts';

export type { Imported };
export interface ImportedTrajectory extends Imported {
  /** The instance the file says it is for (mini-swe-agent 2.x, OpenHands output.jsonl), else null. */
  instanceId: string | null;
}

/** One trajectory, already parsed. `source` (the file) starts every error message. */
export function importTrajectory(data: unknown, format: TrajectoryFormat, source = `a ${format} trajectory`): Imported {
  if (format === 'openhands') {
    // An evaluation's output.jsonl line: { instance_id, history, test_result: { git_patch }, metadata, … }
    if (isObj(data) && Array.isArray(data.history)) return openHands(data.history as Obj[], patchOf(data), source);
    const events = Array.isArray(data) ? data : isObj(data) ? (data.trajectory ?? data.events) : undefined;
    if (!Array.isArray(events))
      throw new InputError(`${source}: an OpenHands trajectory is a JSON list of events (or an output.jsonl line)`);
    return openHands(events as Obj[], null, source);
  }
  if (!isObj(data)) throw new InputError(`${source}: a ${format} trajectory is a JSON object`);
  return format === 'swe-agent' ? fromSweAgent(data, source) : fromMini(data, source);
}

/** V1 (software-agent-sdk) events have a `kind`; V0 events an `action` or an `observation`. */
const openHands = (events: Obj[], patch: string | null, source: string) =>
  isSdkEvents(events) ? fromOpenHandsSdk(events, patch, source) : fromOpenHands(events, patch, source);
const patchOf = (record: Obj) => str(isObj(record.test_result) ? record.test_result.git_patch : undefined) || null;
const instanceOf = (data: unknown) => (isObj(data) && typeof data.instance_id === 'string' ? data.instance_id : null);

/** A file's text: one JSON trajectory, or (OpenHands) an evaluation's output.jsonl, one instance a line. */
export function importTrajectories(content: string, source: string, format: TrajectoryFormat): ImportedTrajectory[] {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (err) {
    const lines = content.split('\n').flatMap((l, i) => (l.trim() ? [{ l, n: i + 1 }] : []));
    if (format !== 'openhands' || lines.length < 2)
      throw new InputError(`${source}: not JSON (${(err as Error).message})`);
    return lines.map(({ l, n }) => {
      let record: unknown;
      try {
        record = JSON.parse(l);
      } catch (e) {
        throw new InputError(`${source}:${n}: not JSON (${(e as Error).message})`);
      }
      if (!isObj(record) || !Array.isArray(record.history))
        throw new InputError(`${source}:${n}: an OpenHands output.jsonl line has instance_id and history`);
      return { ...importTrajectory(record, format, `${source}:${n}`), instanceId: instanceOf(record) };
    });
  }
  return [{ ...importTrajectory(data, format, source), instanceId: instanceOf(data) }];
}
