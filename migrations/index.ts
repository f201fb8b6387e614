import { InitialSchema1763769600000 } from './1763769600000-initial-schema.ts';

/** Every migration, oldest first. Listed explicitly: no glob loading at run time. */
export const migrations = [InitialSchema1763769600000];
