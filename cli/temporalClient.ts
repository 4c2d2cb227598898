// A Temporal client for CLI commands: the address of a running `swe-forge up` if there is one, else settings
// (TEMPORAL_ADDRESS / the default port). The connection closes when the command is done.
import { Client } from '@temporalio/client';
import { loadSettings } from '../infra/settings.ts';
import { readStackState } from '../infra/stack.ts';
import { connectClient } from '../infra/temporal.ts';

export async function withClient<T>(
  fn: (client: Client, info: { address: string; uiUrl?: string }) => Promise<T>,
): Promise<T> {
  const settings = loadSettings();
  const state = settings.temporal.embedded ? readStackState(settings) : undefined;
  const temporal = state
    ? { ...settings.temporal, address: state.temporalAddress, namespace: state.namespace }
    : settings.temporal;
  const connection = await connectClient(temporal);
  try {
    return await fn(new Client({ connection, namespace: temporal.namespace }), {
      address: temporal.address,
      uiUrl: state?.uiUrl,
    });
  } finally {
    await connection.close();
  }
}
