// The worker bundle's entry: every workflow type, re-exported.
export { helloWorkflow } from './hello.ts';
