import { MemoryStore } from '../../src/store/memory/memory-store';
import { storeContract } from './store';

storeContract('memory', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});
