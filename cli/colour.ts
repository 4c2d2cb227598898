// Colour for people at a terminal only: never when the stream is not a TTY (pipes, files, --json consumers) and
// never with NO_COLOR set to anything (https://no-color.org); FORCE_COLOR=1 turns it on anyway (CI logs).
export function useColour(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY;
}

const paint = (code: number) => (text: string, stream?: { isTTY?: boolean }) =>
  useColour(stream) ? `\x1b[${code}m${text}\x1b[0m` : text;

export const green = paint(32);
export const red = paint(31);
export const bold = paint(1);
