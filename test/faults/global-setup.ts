import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resetFigures } from './figures';

export default function globalSetup(): void {
  if (!existsSync(resolve(__dirname, '../../dist/src/main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npm run build` first');
  }
  resetFigures();
}
