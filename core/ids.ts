// Ids that name directories and workflow ids. Pure: the workflow, the CLI and the activities check the same rule.

/** A run id names a directory (<artifacts>/runs/<id>) and a workflow id: no separators, no dot up front. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const isRunId = (id: unknown): id is string => typeof id === 'string' && RUN_ID.test(id);

/** What is wrong with an id that breaks RUN_ID, naming the field it came from. */
export const runIdMessage = (field: string, id: unknown) =>
  `${field}: ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-' (it names a directory)`;
