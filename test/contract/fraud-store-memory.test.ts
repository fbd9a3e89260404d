import { MemoryFraudStore } from '../../src/fraud/memory-store';
import { fraudStoreContract } from './fraud-store';

fraudStoreContract('memory', async () => {
  const store = new MemoryFraudStore();
  return { stores: [store, store], close: async () => undefined };
});
