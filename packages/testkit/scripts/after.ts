// tap `after`: stop the servers that `before` started (never the ones that were already running).
import { tearDownServers } from '../src/servers.js';

tearDownServers();
