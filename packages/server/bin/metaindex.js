#!/usr/bin/env node
// The metaindex executable. The packages ship TypeScript sources with no build step,
// so this registers tsx's ESM loader (it compiles .ts files as Node imports them) and
// then runs the CLI from source.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/metaindex.ts');
await runCli(process.argv);
