import type { AdminCommand } from '../command.ts';
import { groupCommands } from './groups.ts';
import { linkCommands } from './links.ts';
import { systemCommands } from './system.ts';
import { userCommands } from './users.ts';

/** Every admin command, in the order `npm run admin -- help` lists them. */
export const COMMANDS: AdminCommand[] = [...userCommands, ...linkCommands, ...groupCommands, ...systemCommands];
