// Published environment images by family naming scheme: a row (or `tasks import --image-family`) may name the
// family instead of the image. The names are the families' own conventions (the harness's `instance_image_key`
// with a namespace: `__` becomes `_1776_`; SWE-Gym's images on OpenHands' account: `__` becomes `_s_`).
export const IMAGE_FAMILIES = {
  swebench: (id: string) => `swebench/sweb.eval.x86_64.${id.toLowerCase().replace(/__/g, '_1776_')}:latest`,
  'swe-gym': (id: string) => `xingyaoww/sweb.eval.x86_64.${id.toLowerCase().replace(/__/g, '_s_')}:latest`,
  'swe-rebench': (id: string) => `swerebench/sweb.eval.x86_64.${id.toLowerCase().replace(/__/g, '_1776_')}:latest`,
} as const;
export type ImageFamily = keyof typeof IMAGE_FAMILIES;

export function isImageFamily(name: string): name is ImageFamily {
  return Object.hasOwn(IMAGE_FAMILIES, name);
}

export function familyImage(family: ImageFamily, instanceId: string): string {
  return IMAGE_FAMILIES[family](instanceId);
}
