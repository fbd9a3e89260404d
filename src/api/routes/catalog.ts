import type { FastifyInstance } from 'fastify';
import type { PromptCatalog } from '../../prompts/catalog';
import type { WorkflowStep } from '../../verification/model';

/** What this engine offers: languages and workflows. */
export function catalogRoutes(app: FastifyInstance, deps: { catalog: PromptCatalog; workflows: Readonly<Record<string, readonly WorkflowStep[]>> }): void {
  app.get('/v1/languages', { schema: { summary: 'Installed prompt languages', tags: ['catalog'] } }, async () => ({
    languages: deps.catalog.languages().map((lang) => {
      const pack = deps.catalog.pack(lang);
      return { lang, name: pack?.name ?? lang, source: pack?.source ?? 'unknown' };
    }),
  }));

  app.get('/v1/workflows', { schema: { summary: 'Named workflows', tags: ['catalog'] } }, async () => ({
    workflows: Object.entries(deps.workflows).map(([name, steps]) => ({
      name,
      steps: steps.map((s) => ({ channel: s.channel, wait_seconds: s.waitSeconds, code: s.code, validity_seconds: s.validitySeconds ?? null })),
    })),
  }));
}
