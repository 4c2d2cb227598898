// The trajectory formats we export to and import from, and what an export needs to know of a rollout besides its
// messages. A leaf module: the exporters, the importers and the CLI all read it.

export const TRAJECTORY_FORMATS = ['swe-agent', 'openhands', 'mini-swe-agent'] as const;
export type TrajectoryFormat = (typeof TRAJECTORY_FORMATS)[number];

export interface TrajectoryInfo {
  instanceId: string;
  model: string;
  patch: string | null;
  exitStatus: string;
}

/** File name each tool uses for one instance's trajectory. */
export const trajectoryFileName = (id: string, format: TrajectoryFormat) =>
  format === 'swe-agent' ? `${id}.traj` : format === 'mini-swe-agent' ? `${id}.traj.json` : `${id}.openhands.json`;
