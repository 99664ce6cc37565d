import { chainlab } from 'chainlab/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({ plugins: [chainlab()] });
