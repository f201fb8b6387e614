import type { SignInScript } from '../driver/scripts.ts';
import type { ServerProcess } from './process.ts';

/** A started server with its people registered. */
export interface BenchServer {
  process: ServerProcess;
  script: SignInScript;
  /** The account id (`sub`) of users[i] on this server. */
  subs: string[];
  /** How long registering the people took (before start-up; not part of any row). */
  registrationMs: number;
  /** Stops the server and removes its data: database schema or files, Redis keys. */
  cleanup(): Promise<void>;
}
