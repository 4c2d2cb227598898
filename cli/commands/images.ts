// `swe-forge images prune`: removes the images this project built (labelled), nothing else.
import type { Command } from 'commander';
import { DOCKER_LABELS } from '../../core/constants.ts';
import { connectDocker } from '../../infra/docker.ts';
import { action, printJson } from '../output.ts';

export function registerImages(program: Command): void {
  const images = program.command('images').description('Environment images built by swe-forge');
  images
    .command('prune')
    .option('--include-base', 'also remove the base image (rebuilt by infra/images/build-base.sh)')
    .option('--json', 'print what was removed as JSON')
    .description('Remove the task images swe-forge built (images in use by a container are kept)')
    .action(
      action(async (opts: { includeBase?: boolean; json?: boolean }) => {
        const docker = await connectDocker();
        const list = await docker.listImages({ filters: { label: [`${DOCKER_LABELS.managed}=true`] } });
        const removed: string[] = [];
        const kept: { image: string; reason: string }[] = [];
        let bytes = 0;
        for (const img of list) {
          const name = img.RepoTags?.find((t) => t !== '<none>:<none>') ?? img.Id;
          if (img.Labels?.[DOCKER_LABELS.kind] === 'base' && !opts.includeBase) continue;
          try {
            await docker.getImage(img.RepoTags?.length ? name : img.Id).remove({ force: false });
            removed.push(name);
            bytes += img.Size;
          } catch (err) {
            kept.push({ image: name, reason: (err as Error).message.split('\n')[0]! });
          }
        }
        if (opts.json) printJson({ removed, kept, freed_bytes: bytes });
        else {
          for (const k of kept) console.error(`kept ${k.image}: ${k.reason}`);
          console.log(`removed ${removed.length} image(s), ${(bytes / 2 ** 20).toFixed(0)} MiB`);
        }
      }),
    );
}
