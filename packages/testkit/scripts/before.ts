// tap `before`: find or start PostgreSQL and NATS once for the whole run.
import { setUpServers } from '../src/servers.js';

const s = await setUpServers();
console.log(`# test servers: ${new URL(s.databaseUrl).host} (PostgreSQL), ${new URL(s.natsUrl).host} (NATS)`);
