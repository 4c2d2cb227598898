// Cross-stage config rules the pipeline (and the CLI) check before a run starts.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../config/load.ts';
import { runConfigProblems } from '../../../config/stageRules.ts';

const base = {
  name: 'r',
  tasks: { eval: ['e-1'] },
  models: { teachers: [{ name: 't' }], policy: { name: 'p', kind: 'trainer' } },
};
const problems = (over: Record<string, unknown>) => runConfigProblems(parseRunConfig({ ...base, ...over }));

describe('runConfigProblems', () => {
  it('accepts the defaults with a teacher and the presets', () => {
    expect(problems({ stages: { sweWorld: { kind: 'orm' } } })).toEqual([]);
    for (const preset of ['demo', 'swe-master', 'swe-gym'])
      expect(runConfigProblems(parseRunConfig({ preset }))).toEqual([]);
  });

  it('names the field when distillation or difficulty has no teacher', () => {
    const p = problems({ models: { policy: { name: 'p', kind: 'trainer' } }, stages: { sweWorld: { kind: 'orm' } } });
    expect(p).toEqual([
      expect.stringMatching(/^models\.teachers: distillation needs at least one teacher/),
      expect.stringMatching(/^stages\.difficulty\.model: "teacher" but models\.teachers is empty/),
    ]);
    expect(
      problems({
        models: { policy: { name: 'p', kind: 'trainer' } },
        stages: { distill: { enabled: false }, difficulty: { model: 'policy' }, sweWorld: { kind: 'orm' } },
      }),
    ).toEqual([]);
  });

  it('names stages.tts.model when TTS samples from a teacher that is not there', () => {
    const p = problems({
      models: { policy: { name: 'p', kind: 'trainer' } },
      stages: {
        distill: { enabled: false },
        difficulty: { model: 'policy' },
        sweWorld: { kind: 'orm' },
        tts: { model: 'teacher' },
      },
    });
    expect(p).toEqual([expect.stringMatching(/^stages\.tts\.model: "teacher" but models\.teachers is empty/)]);
  });

  it('refuses a verifier the TTS stage cannot use, when there are tasks to scale on', () => {
    expect(problems({ stages: { sweWorld: { enabled: false }, tts: { backend: 'llm' } } })).toEqual([
      expect.stringMatching(/^models\.verifier:/),
    ]);
    // The run's own checkpoint scores TTS, whichever kind it is (issue 14) ...
    expect(problems({ stages: { sweWorld: { kind: 'swe_world' }, tts: { backend: 'onnx' } } })).toEqual([]);
    expect(problems({ stages: { sweWorld: { enabled: false }, tts: { backend: 'onnx' } } })).toEqual([
      expect.stringMatching(/^stages\.tts\.backend: "onnx" scores with the run's own verifier/),
    ]);
    // ... and a stage that trains a verifier TTS would then ignore is refused.
    const ignored = problems({
      models: { ...base.models, verifier: { name: 'judge', baseUrl: 'http://judge:8000/v1' } },
      stages: { sweWorld: { kind: 'swe_world' }, tts: { backend: 'llm' } },
    });
    expect(ignored).toEqual([expect.stringMatching(/^stages\.tts\.backend: "llm" .* thrown away/)]);
    expect(
      problems({ tasks: { eval: [] }, stages: { sweWorld: { enabled: false }, tts: { backend: 'onnx' } } }),
    ).toEqual([]);
    expect(problems({ stages: { sweWorld: { kind: 'swe_world' }, tts: { selector: 'fewest_turns' } } })).toEqual([]);
  });
});
