// `import { Embedis } from 'embedis'` in Node: the same module instance as
// `require('embedis')`, so a store made through one works with the other.
import cjs from './index.cjs';

export const { Embedis } = cjs;
