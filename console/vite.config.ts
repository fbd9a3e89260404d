import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The console UI: built into dist/public/console (served by the engine at /console), or served
// by Vite with hot reload (`npm run console:dev`), its API calls proxied to a running engine.
const engine = process.env.PBXVERIFY_CONSOLE_ENGINE ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: __dirname,
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: resolve(__dirname, '../dist/public/console'), emptyOutDir: true, target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 250 },
  server: { port: 5173, strictPort: true, proxy: { '/console/api': { target: engine, changeOrigin: false } } },
});
