import { BODY_LIMITS } from '../limits';
import { calledInRoutes } from './calledin';
import type { CompatDeps, CompatPlugin } from './common';
import { idenfyRoutes } from './idenfy';
import { ninetyNineDigitalRoutes } from './ninety-nine-digital';
import { vonageRoutes } from './vonage';
import { zadarmaRoutes } from './zadarma';

export { calledInCallbacks } from './calledin-callback';
export type { CompatDeps, CompatPlugin } from './common';

/**
 * The drop-in endpoints for the five seed services (docs/compat.md), one fastify scope each so
 * every service parses its own body format and answers errors in its own way.
 */
export function compatPlugins(deps: CompatDeps): CompatPlugin[] {
  return [zadarmaRoutes(deps), ninetyNineDigitalRoutes(deps), calledInRoutes(deps), idenfyRoutes(deps), vonageRoutes(deps)].map(withBodyLimit);
}

/** Every route of a compat scope gets the compat body limit (these endpoints need no authentication to be reached). */
function withBodyLimit(plugin: CompatPlugin): CompatPlugin {
  return async (app) => {
    app.addHook('onRoute', (route) => {
      route.bodyLimit ??= BODY_LIMITS.compat;
    });
    await plugin(app);
  };
}
